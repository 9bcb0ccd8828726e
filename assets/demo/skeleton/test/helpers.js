// Starts the app on a free port for a test and returns its base URL and a close function.
import { createApp } from '../src/app.js';

export async function startApp() {
  const server = await createApp();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

// Starts the grader on $PORT (default 3000).
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const server = await createApp();
server.listen(port, '127.0.0.1', () =>
  console.log(`assignment grader listening on http://127.0.0.1:${port}`),
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));

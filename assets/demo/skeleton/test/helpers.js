// Test helpers: start the app on a free port, and make requests to it.
import { request as httpRequest } from 'node:http';
import { createApp } from '../src/app.js';

export async function startApp() {
  const server = await createApp();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * `fetch` for these tests, over node:http: the same requests and answers (`status`, `json()`,
 * `text()`), without loading fetch's HTTP client, which costs more than the tests themselves.
 */
export function request(url, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode, json: async () => JSON.parse(text), text: async () => text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Small JSON helpers shared by every feature's routes (part of the skeleton's contract).

/** Sends `body` as JSON with `status`. */
export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a JSON request body; resolves to undefined when it is empty or not JSON. */
export async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

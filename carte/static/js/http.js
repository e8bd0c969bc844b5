// JSON from the server, shared by the map's modules and the embed.

/** A refusal of the server: its HTTP status, and the message of its JSON error (a 400 names the parameter). */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The JSON answer to a request (`init` as fetch takes it), or an HttpError when the server refuses it. */
export async function fetchJson(url, init = {}) {
  const response = await fetch(url, init);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new HttpError(response.status, (body.error && body.error.message) || String(response.status));
  }
  return response.json();
}

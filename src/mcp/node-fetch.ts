import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * A `fetch` for the SDK's upstream transports built on node:http with keep-alive agents.
 * Node's own fetch (undici, with the Fetch spec's machinery) costs a few hundred microseconds
 * per request on this path, more than the rest of the gateway's work on a tools/call.
 * Only what the transport uses is supported: string bodies, header maps, abort signals.
 */
export function createNodeFetch(): typeof fetch {
  // No cap on sockets per host: a call streaming progress holds its connection for as long as
  // it runs, and a cap would queue every other call behind such streams.
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true });
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = init?.method ?? 'GET';
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        reject(new TypeError('only string bodies are supported'));
        return;
      }
      if (body) headers['content-length'] = String(Buffer.byteLength(body));
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const pooled = url.protocol === 'https:' ? https : http;
      const attempt = (retry: boolean): void => {
        // The retry gets a connection of its own (agent false): the pool may hold more stale ones.
        const agent = retry ? pooled : false;
        const request = send(url, { method, headers, agent, signal: init?.signal ?? undefined }, (answer) => resolve(toResponse(answer, method)));
        request.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed while it sat idle: the request never
          // reached the server, so it is sent once more on a new one (as Node's docs advise).
          if (retry && request.reusedSocket && error.code === 'ECONNRESET') attempt(false);
          else reject(error);
        });
        request.end(body ?? undefined);
      };
      attempt(true);
    });
}

function toResponse(answer: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = answer.statusCode ?? 502;
  // A Response with these statuses (or to HEAD) must have no body.
  const empty = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (empty) answer.resume();
  const body = empty ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: answer.statusMessage, headers });
}

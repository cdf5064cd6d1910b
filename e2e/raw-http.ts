import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** What came back on a raw connection, read until the server closed it. */
export interface RawReply {
  /** The status of the status line; undefined when nothing (or no status line) came back. */
  status: number | undefined;
  /** Response headers, names lowercased. */
  headers: Record<string, string>;
  /** The body as its framing delimits it (content-length, chunked, or up to the close). */
  body: string;
  /** Whether the body was complete by its framing: all content-length bytes, or a last chunk. */
  complete: boolean;
  /** Every byte received, as text. */
  raw: string;
  /** Milliseconds from connecting to the first byte back; undefined when none came. */
  firstDataMs: number | undefined;
  /** Milliseconds from connecting to the server's close (or to `waitMs` when it never closed). */
  elapsedMs: number;
  /** Whether the server closed the connection (false: the wait ended first and the client closed it). */
  closedByServer: boolean;
}

/** A raw TCP connection to a listener, written to by hand; its `reply` settles when it closes. */
export interface RawConnection {
  socket: Socket;
  reply: Promise<RawReply>;
}

/**
 * Opens a connection, writes `bytes` (when given) and reads until the server closes it or
 * `waitMs` passes (then it is closed from this side). No HTTP client in between: the bytes
 * may be anything, and so may what comes back.
 */
export function openRaw(port: number, bytes?: string | Buffer, waitMs = 5000): RawConnection {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  const chunks: Buffer[] = [];
  const reply = new Promise<RawReply>((resolve) => {
    let closedByServer = true;
    let firstDataMs: number | undefined;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, waitMs);
    socket.on('data', (chunk: Buffer) => {
      firstDataMs ??= Date.now() - started;
      chunks.push(chunk);
    });
    // A reset after Envoy's reply (it closes with unread request bytes) still ends the reply.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseReply(Buffer.concat(chunks).toString('latin1')), firstDataMs, elapsedMs: Date.now() - started, closedByServer });
    });
  });
  if (bytes !== undefined) socket.write(bytes);
  return { socket, reply };
}

/** Sends `bytes` on a fresh connection and waits for the server to close it. */
export async function sendRaw(port: number, bytes: string | Buffer, waitMs = 5000): Promise<RawReply> {
  return openRaw(port, bytes, waitMs).reply;
}

/** Splits an HTTP/1.1 response into its status, headers and body, decoding chunked framing. */
export function parseReply(raw: string): Omit<RawReply, 'firstDataMs' | 'elapsedMs' | 'closedByServer'> {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  if (headerEnd < 0 || !statusMatch) return { status: undefined, headers: {}, body: '', complete: false, raw };
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, headerEnd).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.slice(headerEnd + 4);
  const status = Number(statusMatch[1]);
  if (headers['transfer-encoding'] === 'chunked') return { status, headers, ...dechunk(rest), raw };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return { status, headers, body: rest.slice(0, length), complete: rest.length >= length, raw };
  }
  // Neither: the body runs to the close, so there is no telling whether it is whole.
  return { status, headers, body: rest, complete: false, raw };
}

function dechunk(text: string): { body: string; complete: boolean } {
  let body = '';
  let offset = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', offset);
    if (lineEnd < 0) return { body, complete: false };
    const size = parseInt(text.slice(offset, lineEnd), 16);
    if (Number.isNaN(size)) return { body, complete: false };
    if (size === 0) return { body, complete: true };
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    offset = lineEnd + 2 + size + 2;
  }
}

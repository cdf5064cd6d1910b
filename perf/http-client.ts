/**
 * One timed HTTP request from the load generators: POST a chat completion and note when
 * it started, when the first SSE event arrived (streams) and when the body ended.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BENCH_KEY, CHAT_PATH } from './setup';

/** What to send and where. */
export interface RequestSpec {
  port: number;
  /** Request path; CHAT_PATH when absent. */
  path?: string;
  body: Buffer;
  /** Whether the body asks for SSE; then the first `data:` bytes are timed. */
  stream: boolean;
}

/** The timings (performance.now() milliseconds) and result of one request. */
export interface Outcome {
  /** 200 with a complete body (and, for streams, at least one event). */
  ok: boolean;
  /** 0 when no response arrived. */
  status: number;
  startedAt: number;
  /** When the first `data:` bytes arrived (streams only). */
  firstEventAt?: number;
  endedAt: number;
  /** Why the request failed, when it did. */
  error?: string;
}

/** Per-request timeout: a request that takes longer counts as an error. */
export const REQUEST_TIMEOUT_MS = 30000;

/** Error kinds and how often each was seen. */
export class ErrorTally {
  /** Total errors. */
  count = 0;
  /** Count per message (status and body start, or the exception message). */
  readonly kinds = new Map<string, number>();

  /** Records a failed outcome. */
  add(outcome: Outcome): void {
    this.count++;
    const kind = outcome.error ?? `HTTP ${outcome.status}`;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  /** The kinds as a plain object for JSON. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.kinds);
  }
}

/** Builds a keep-alive agent for one target and phase. */
export function makeAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/** Sends one request and resolves (never rejects) with its outcome. */
export function send(spec: RequestSpec, agent: http.Agent, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Outcome> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let firstEventAt: number | undefined;
    let status = 0;
    let settled = false;
    let errorBody = '';
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      const endedAt = performance.now();
      let reason = error;
      if (reason === undefined && status !== 200) reason = `HTTP ${status}: ${errorBody.slice(0, 240).replace(/\s+/g, ' ')}`;
      if (reason === undefined && spec.stream && firstEventAt === undefined) reason = 'stream without a data: event';
      const outcome: Outcome = { ok: reason === undefined, status, startedAt, endedAt };
      if (firstEventAt !== undefined) outcome.firstEventAt = firstEventAt;
      if (reason !== undefined) outcome.error = reason;
      resolve(outcome);
    };
    const request = http.request(
      {
        host: '127.0.0.1',
        port: spec.port,
        method: 'POST',
        path: spec.path ?? CHAT_PATH,
        agent,
        headers: {
          authorization: `Bearer ${BENCH_KEY}`,
          'content-type': 'application/json',
          'content-length': spec.body.length,
        },
      },
      (response) => {
        status = response.statusCode ?? 0;
        let seen = '';
        response.on('data', (chunk: Buffer) => {
          if (status !== 200) {
            if (errorBody.length < 1000) errorBody += chunk.toString('utf8');
          } else if (spec.stream && firstEventAt === undefined) {
            seen += chunk.toString('latin1');
            if (seen.includes('data:')) firstEventAt = performance.now();
          }
        });
        response.on('end', () => finish());
        response.on('error', (error: Error) => finish(error.message));
        response.on('close', () => finish(response.complete ? undefined : 'connection closed mid-response'));
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    request.on('error', (error: Error) => finish(error.message));
    request.end(spec.body);
  });
}

/** Sends one request and resolves with its status and whole body (for checks before timing). */
export function fetchText(spec: RequestSpec, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: spec.port,
        method: 'POST',
        path: spec.path ?? CHAT_PATH,
        headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json', 'content-length': spec.body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(spec.body);
  });
}

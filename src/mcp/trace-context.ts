import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The caller's W3C trace context, carried through one MCP request so every upstream request it
 * causes sends the same `traceparent` (the upstream's spans join the caller's trace) and the
 * audit line names the trace. aigw has no tracer of its own yet: it relays, it does not start spans.
 * https://www.w3.org/TR/trace-context/
 */

/** The trace headers of the request being served. */
export interface TraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const storage = new AsyncLocalStorage<TraceContext>();

/** `00-<trace id>-<parent id>-<flags>`: version 00, non-zero ids, lowercase hex. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace id of a valid traceparent; undefined for anything else (which is then not relayed). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim());
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return match[1];
}

/** The valid trace headers among a request's headers. */
export function traceContextOf(headers: ReadonlyMap<string, string>): TraceContext {
  const traceparent = headers.get('traceparent');
  if (traceIdOf(traceparent) === undefined) return {};
  const tracestate = headers.get('tracestate');
  return { traceparent: traceparent?.trim(), ...(tracestate && tracestate.length <= 512 ? { tracestate } : {}) };
}

/**
 * Runs `work` with `context` as the current trace context. Without a traceparent it runs
 * as is: AsyncLocalStorage turns on Node's async hooks (a cost on every promise in the
 * process) the first time it is used, so untraced traffic never switches them on.
 */
export function withTraceContext<T>(context: TraceContext, work: () => T): T {
  if (context.traceparent === undefined && storage.getStore() === undefined) return work();
  return storage.run(context, work);
}

/** The trace context of the request being served, if any. */
export function currentTraceContext(): TraceContext {
  return storage.getStore() ?? {};
}

/** Wraps a fetch so it adds the current trace headers: the transport of every upstream HTTP server uses it. */
export function tracingFetch(inner: typeof fetch): typeof fetch {
  return (input, init) => {
    const { traceparent, tracestate } = currentTraceContext();
    if (traceparent === undefined) return inner(input, init);
    const headers = new Headers(init?.headers);
    headers.set('traceparent', traceparent);
    if (tracestate !== undefined) headers.set('tracestate', tracestate);
    return inner(input, { ...init, headers });
  };
}

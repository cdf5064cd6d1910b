const MAX_MESSAGE = 2000;

/** An upstream error body read once: its JSON (if any) and the most useful message in it. */
export interface UpstreamError {
  parsed: unknown;
  message: string;
}

/**
 * Reads an error body of unknown shape: a `message` or `error` string, or `error.message`,
 * else the text itself; cut to a readable length; never empty.
 */
export function readUpstreamError(status: number, body: Buffer): UpstreamError {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  let message = text.trim();
  if (typeof parsed === 'object' && parsed !== null) {
    const record = parsed as { message?: unknown; error?: unknown };
    const nested = typeof record.error === 'object' && record.error !== null ? (record.error as { message?: unknown }).message : undefined;
    const candidate = record.message ?? (typeof record.error === 'string' ? record.error : nested);
    if (typeof candidate === 'string') message = candidate;
  }
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}…`;
  return { parsed, message: message || `Upstream answered with status ${status}` };
}

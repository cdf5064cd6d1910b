import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain. Every line is one JSON object whose last two fields are `prev`
 * (the previous line's hash, or GENESIS for the first line) and `hash`, the SHA-256 of `prev`
 * and the line's JSON without `hash`. `seq` counts lines from 1. So an edited line breaks its
 * own hash, an inserted or deleted line breaks the next line's `prev` and `seq`, and a cut
 * tail is caught by the head file (`<log>.head`: the last seq and hash) written after each batch.
 */

export const GENESIS = '0'.repeat(64);

/** A record's fields before chaining. */
export type AuditFields = Record<string, unknown>;

/** Where the chain stands: the last line's sequence number and hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The chained line for `fields` after `head` (without the trailing newline). */
export function chainLine(fields: AuditFields, head: ChainHead): { line: string; head: ChainHead } {
  const seq = head.seq + 1;
  const body = JSON.stringify({ seq, ...fields, prev: head.hash });
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  // The hash covers the body exactly as written: the line is the body with one more field.
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, head: { seq, hash } };
}

/** What verification found: ok, or the first broken line and why. */
export type VerifyResult = { readonly ok: true; readonly lines: number; readonly head: ChainHead } | { readonly ok: false; readonly line: number; readonly reason: string };

/** Re-derives the body a hash was computed over: the line without its trailing `,"hash":"…"}`. */
function splitLine(line: string): { body: string; hash: string } | undefined {
  const match = /,"hash":"([0-9a-f]{64})"\}$/.exec(line);
  if (!match) return undefined;
  return { body: `${line.slice(0, match.index)}}`, hash: match[1] };
}

/** Checks every line of a log, and the head file's record of where it ended. */
export function verifyChain(text: string, recordedHead?: ChainHead): VerifyResult {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let head: ChainHead = { seq: 0, hash: GENESIS };
  for (let index = 0; index < lines.length; index++) {
    const number = index + 1;
    const parts = splitLine(lines[index]);
    if (!parts) return { ok: false, line: number, reason: 'not a chained audit line (no hash)' };
    let parsed: { seq?: unknown; prev?: unknown };
    try {
      parsed = JSON.parse(parts.body) as { seq?: unknown; prev?: unknown };
    } catch {
      return { ok: false, line: number, reason: 'not JSON' };
    }
    if (createHash('sha256').update(parts.body, 'utf8').digest('hex') !== parts.hash) return { ok: false, line: number, reason: 'the line was changed (its hash does not match)' };
    if (parsed.prev !== head.hash) return { ok: false, line: number, reason: 'a line before it was inserted, deleted or changed (prev does not match)' };
    if (parsed.seq !== head.seq + 1) return { ok: false, line: number, reason: `seq ${String(parsed.seq)} where ${head.seq + 1} was due` };
    head = { seq: head.seq + 1, hash: parts.hash };
  }
  if (recordedHead && (recordedHead.seq !== head.seq || recordedHead.hash !== head.hash)) {
    return recordedHead.seq > head.seq
      ? { ok: false, line: head.seq + 1, reason: `the log ends at line ${head.seq} but ${recordedHead.seq} were written (lines were removed from the end)` }
      : { ok: false, line: recordedHead.seq, reason: 'the log does not end where the head file says it did' };
  }
  return { ok: true, lines: head.seq, head };
}

/** The head of an existing log: its last complete line. */
export function headOf(lastLine: string | undefined): ChainHead {
  if (!lastLine) return { seq: 0, hash: GENESIS };
  const parts = splitLine(lastLine);
  if (!parts) throw new Error('the audit log does not end with a chained line');
  const seq = (JSON.parse(parts.body) as { seq?: unknown }).seq;
  if (typeof seq !== 'number') throw new Error('the audit log does not end with a chained line');
  return { seq, hash: parts.hash };
}

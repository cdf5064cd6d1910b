/** Bodies smaller than this are parsed whole: the scan pays off only for large ones. */
const TAIL_SCAN_FROM_BYTES = 64 * 1024;

/** After a top-level object member: only scalar members, then the object's end. */
const SCALAR_MEMBERS_THEN_END = /^(?:\s*,\s*"(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null))*\s*}\s*$/;

function skipSpace(body: Buffer, at: number): number {
  let index = at;
  while (index < body.length && (body[index] === 0x20 || body[index] === 0x0a || body[index] === 0x0d || body[index] === 0x09)) index++;
  return index;
}

/** The index of the `}` closing the object that starts at `start` (a `{`), or -1. */
function objectEnd(body: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < body.length; index++) {
    const byte = body[index];
    if (inString) {
      if (byte === 0x5c) index++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b) depth++;
    else if (byte === 0x7d && --depth === 0) return index;
  }
  return -1;
}

/**
 * The value of a top-level object member `key` that sits near the end of a large JSON body
 * (OpenAI puts `usage` after `choices` or `data`), parsed alone: a 16 MB embeddings answer
 * need not be parsed whole to count its tokens. Undefined when the body is small (parse it
 * whole), or when the member is not found that way — not last but for scalar members, not
 * an object, or not at the top level — and the caller then parses the whole body.
 */
export function topLevelTailObject(body: Buffer, key: string): Record<string, unknown> | undefined {
  if (body.length < TAIL_SCAN_FROM_BYTES) return undefined;
  const at = body.lastIndexOf(`"${key}"`);
  if (at < 0) return undefined;
  let index = skipSpace(body, at + key.length + 2);
  if (body[index] !== 0x3a) return undefined;
  index = skipSpace(body, index + 1);
  if (body[index] !== 0x7b) return undefined;
  const end = objectEnd(body, index);
  // Only scalar members may follow, then the top-level object's `}`: the member was at the top level.
  if (end < 0 || !SCALAR_MEMBERS_THEN_END.test(body.toString('utf8', end + 1))) return undefined;
  try {
    return JSON.parse(body.toString('utf8', index, end + 1)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

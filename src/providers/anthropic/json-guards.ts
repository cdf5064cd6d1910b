/** A JSON object (not null, not an array): the only shape whose fields we read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a client set an option: present and not null (OpenAI reads null as "the default"). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Parses JSON text; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

import type { HeaderMutation } from '../generated/envoy/service/ext_proc/v3/HeaderMutation';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { Struct } from '../generated/google/protobuf/Struct';
import type { Value } from '../generated/google/protobuf/Value';
import { ERROR_SHAPED_KEY, METADATA_NAMESPACE } from './stream-processor';
import type { StatusCode } from '../generated/envoy/type/v3/StatusCode';

/** Headers of one ext_proc message, lowercase names; repeated headers joined with ", ". */
export function readHeaders(headers: HttpHeaders__Output | null | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const header of headers?.headers?.headers ?? []) {
    // Envoy sends raw_value (bytes) by default; older versions send value.
    const value = header.raw_value && header.raw_value.length > 0 ? header.raw_value.toString('utf8') : header.value;
    const key = header.key.toLowerCase();
    const existing = map.get(key);
    map.set(key, existing === undefined ? value : `${existing}, ${value}`);
  }
  return map;
}

/** A header mutation that overwrites `set` and removes `remove`. */
export function headerMutation(set: Readonly<Record<string, string>> = {}, remove: readonly string[] = []): HeaderMutation {
  return {
    set_headers: Object.entries(set).map(([key, value]) => ({
      header: { key, raw_value: Buffer.from(value, 'utf8') },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
    remove_headers: [...remove],
  };
}

/** A JSON-ish value as a protobuf Value. */
function toValue(value: unknown): Value {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  return { structValue: toStruct(value as Record<string, unknown>) };
}

/** A plain object as a protobuf Struct (for dynamic metadata). */
export function toStruct(object: Record<string, unknown>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = toValue(value);
  }
  return { fields };
}

/** Reads a nested struct field: `structPath(s, 'a', 'b')` is s.a.b. */
export function structPath(struct: Struct | null | undefined, ...path: string[]): Value | undefined {
  let current: Value | undefined = struct ? { structValue: struct } : undefined;
  for (const key of path) {
    current = current?.structValue?.fields?.[key];
    if (!current) return undefined;
  }
  return current;
}

/**
 * An ImmediateResponse: the client gets this status, headers and body, and the request
 * ends. The dynamic metadata marks it as shaped by aigw (see render-envoy's local replies).
 */
export function immediateResponse(status: number, body: string, headers: Record<string, string>, details: string, metadata: Record<string, unknown> = {}): ProcessingResponse {
  return {
    // `metadata`: more io.aigw fields for the access log and rate-limit settlement.
    dynamic_metadata: toStruct({ [METADATA_NAMESPACE]: { ...metadata, [ERROR_SHAPED_KEY]: true } }),
    immediate_response: {
      status: { code: status as StatusCode },
      headers: headerMutation(headers),
      body: Buffer.from(body, 'utf8'),
      details,
    },
  };
}

import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { Value } from '../generated/google/protobuf/Value';
import { RESPONSE_HEADERS_NAMESPACE } from './stream-processor';

/** Where Envoy puts the attributes it was asked for (request_attributes / response_attributes). */
const EXT_PROC_ATTRIBUTES = 'envoy.filters.http.ext_proc';

/** `request.headers['name']` / `response.headers['name']` as the filter config spells them. */
const HEADER_ATTRIBUTE = /^(?:request|response)\.headers\['([^']+)'\]$/;

/** What the router-level processor learns about a request or response without a headers message. */
export interface MessageAttributes {
  /** `request.path` (with query) and `request.method`, or `response.code`. */
  readonly path?: string;
  readonly method?: string;
  readonly status?: number;
  /** The headers asked for by name (lowercase); absent headers are absent. */
  readonly headers: ReadonlyMap<string, string>;
}

function text(value: Value | undefined): string | undefined {
  if (value?.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (typeof value?.numberValue === 'number') return String(value.numberValue);
  return undefined;
}

/**
 * The attributes Envoy sent with a message (only the first message of each direction carries
 * them). Header attributes become a header map; Envoy leaves out headers the request lacks.
 */
export function readAttributes(message: Pick<ProcessingRequest__Output, 'attributes' | 'metadata_context'>): MessageAttributes | undefined {
  const fields = message.attributes?.[EXT_PROC_ATTRIBUTES]?.fields;
  if (!fields) return undefined;
  const headers = new Map<string, string>();
  // Response headers come as forwarded metadata (see the Lua filter), request headers as attributes.
  for (const [name, value] of Object.entries(message.metadata_context?.filter_metadata?.[RESPONSE_HEADERS_NAMESPACE]?.fields ?? {})) {
    const found = text(value);
    if (found !== undefined) headers.set(name, found);
  }
  let path: string | undefined;
  let method: string | undefined;
  let status: number | undefined;
  for (const [name, value] of Object.entries(fields)) {
    const header = HEADER_ATTRIBUTE.exec(name);
    if (header) {
      const found = text(value);
      if (found !== undefined) headers.set(header[1], found);
    } else if (name === 'request.path') path = text(value);
    else if (name === 'request.method') method = text(value);
    else if (name === 'response.code') status = Number(text(value) ?? 0);
  }
  return { path, method, status, headers };
}

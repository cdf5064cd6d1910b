import { DIRECT_HEADER, LUA_NAMESPACE, RESPONSE_HEADERS_FOR_AIGW, RESPONSE_HEADERS_NAMESPACE, UPSTREAM_HEADERS_NAMESPACE } from '../extproc/stream-processor';
import { DECODABLE_CODINGS } from '../providers/content-decoding';
import type { Json } from './render-envoy-clusters';
import { typed } from './render-envoy-clusters';

/**
 * Client headers every provider may see: the body's type, the trace context aigw continues,
 * idempotency. A client API's version and beta flags, and a backend's `forwardHeaders`, go
 * only to the backends that take them (client-headers.ts). Everything else a client sends —
 * cookies, proxy credentials, forwarding headers, its own key, anything custom — stops at
 * the gateway. Pseudo-headers and
 * the few Envoy sets itself are kept for Envoy's own use and removed before the wire where
 * a provider must not see them (the upstream header_mutation in render-envoy-clusters.ts).
 */
export const FORWARDED_CLIENT_HEADERS = [
  'content-type',
  'accept',
  'user-agent',
  'traceparent',
  'tracestate',
  'idempotency-key',
  'content-length',
  'x-request-id',
  // Envoy's own (use_remote_address); route matching reads it. Removed upstream.
  'x-forwarded-proto',
] as const;

/** A Lua string literal (the names and values are plain ASCII we chose). */
function luaString(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

function luaList(names: readonly string[]): string {
  return `{ ${names.map(luaString).join(', ')} }`;
}

function luaSet(names: readonly string[]): string {
  return `{ ${names.map((name) => `[${luaString(name)}] = true`).join(', ')} }`;
}

/** Credential headers of every provider style; a configured custom one is added per config. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'x-amz-security-token'];

/**
 * The request script. aigw no longer sees request headers as a message of their own (it
 * reads the few it needs as attributes of the body message), so the header work happens
 * here, steered by the dynamic metadata aigw set on the body. It runs after aigw has
 * answered (the buffer filter holds the headers until then), once per request — header
 * changes persist across retries: drop every client header that is not allowed (a
 * conditional one stays when the first attempt's backend may have it; aigw read its value
 * as an attribute, for later attempts); set the
 * first attempt's upstream request (path, credential, the translation's headers) and
 * `x-aigw-direct`, which lets that attempt skip the per-attempt processor when it reaches
 * the backend aigw prepared it for; the caller's identity headers (for the user's own
 * routes and filters; removed before the wire). A request aigw never saw (answered by one
 * of Envoy's own routes) has no io.aigw.lua metadata and is left alone.
 */
export function luaRequestSource(conditional: readonly string[]): string {
  return `-- Rendered by aigw (src/config/render-envoy-lua.ts).
local FORWARDED = ${luaSet(FORWARDED_CLIENT_HEADERS)}
local CONDITIONAL = ${luaSet(conditional)}

function envoy_on_request(handle)
  local metadata = handle:streamInfo():dynamicMetadata()
  local aigw = metadata:get(${luaString(LUA_NAMESPACE)})
  if aigw == nil then return end
  local headers = handle:headers()
  local direct = {}
  local list = aigw["direct_forward"]
  if list then
    for name in string.gmatch(list, "[^,]+") do direct[name] = true end
  end
  local drop = {}
  for name, _ in pairs(headers) do
    if string.byte(name, 1) ~= 58 and not FORWARDED[name] and not (CONDITIONAL[name] and direct[name]) then drop[#drop + 1] = name end
  end
  for _, name in ipairs(drop) do headers:remove(name) end
  headers:replace("accept-encoding", "identity")
  if aigw["traceparent"] then headers:replace("traceparent", aigw["traceparent"]) end
  if aigw["tracestate"] then headers:replace("tracestate", aigw["tracestate"]) end
  local upstream = metadata:get(${luaString(UPSTREAM_HEADERS_NAMESPACE)})
  if upstream then
    for name, value in pairs(upstream) do headers:replace(name, value) end
  end
  if aigw["direct_path"] then headers:replace(":path", aigw["direct_path"]) end
  if aigw["direct_backend"] then headers:replace(${luaString(DIRECT_HEADER)}, aigw["direct_backend"]) end
end

-- aigw reads the response's status as an attribute, but Envoy gives response headers to
-- attributes only when ext_proc processes them: the few aigw needs travel as metadata.
function envoy_on_response(handle)
  local headers = handle:headers()
  local metadata = handle:streamInfo():dynamicMetadata()
  for _, name in ipairs(${luaList(RESPONSE_HEADERS_FOR_AIGW)}) do
    local value = headers:get(name)
    if value then metadata:set(${luaString(RESPONSE_HEADERS_NAMESPACE)}, name, value) end
  end
end
`;
}

/**
 * The response script, first in the filter chain so it sees the response last, after aigw:
 * - a non-streamed answer aigw rewrites (io.aigw `hold`, set for the attempt that serves it;
 *   or a body aigw decodes), an error (for a stream request too: aigw checks its text), and a
 *   body that is no event stream answering a stream request under response guardrails
 *   (\`guard_responses\`: aigw refuses it) are held until their end, so when aigw answers instead
 *   of the provider (a guardrail block, a 200 that was no answer) its status and content type
 *   can still change (aigw names them in metadata with the last chunk), and it gets its
 *   length back (ext_proc's streamed mode drops content-length); an answer that passes
 *   through untouched is not held;
 * - \`x-aigw-warning\` (the options the serving backend dropped), the SSE content type for
 *   streams, no content-encoding when aigw decoded the body (it sends it decoded);
 * - on an error, any response header that echoes a credential the attempt sent is redacted.
 */
export function luaResponseSource(credentialHeaders: readonly string[]): string {
  return `-- Rendered by aigw (src/config/render-envoy-lua.ts).
local DECODABLE = ${luaSet(DECODABLE_CODINGS)}
local CREDENTIALS = ${luaSet([...new Set([...CREDENTIAL_HEADERS, ...credentialHeaders])])}

function envoy_on_response(handle)
  local aigw = handle:streamInfo():dynamicMetadata():get(${luaString(LUA_NAMESPACE)})
  if aigw == nil then return end
  local headers = handle:headers()
  local status = tonumber(headers:get(":status")) or 0
  local coding = headers:get("content-encoding")
  local decoded = coding and DECODABLE[string.lower(coding)]
  local ok = status >= 200 and status < 300
  -- A body that is no event stream (JSON, text) answering a stream request, under response
  -- guardrails that change or refuse text: aigw refuses it with a status of its own (the same
  -- test as response-reader.ts; no content type passes).
  local kind = headers:get("content-type")
  local not_a_stream = false
  if aigw["stream"] and ok and aigw["guard_responses"] and kind then
    local lower = string.lower(kind)
    not_a_stream = string.find(lower, "^%s*text/event%-stream") == nil and string.find(lower, "^%s*application/vnd%.amazon%.eventstream") == nil
  end
  -- A non-streamed answer aigw rewrites (translated, guarded, decoded), an error (reshaped and
  -- checked, for a stream request too) is held to its end; one that passes through untouched
  -- goes out as it comes.
  if not ok or not_a_stream or (not aigw["stream"] and (aigw["hold"] or decoded)) then
    -- Waiting for the body yields: every object is fetched again after it.
    local body = handle:body()
    aigw = handle:streamInfo():dynamicMetadata():get(${luaString(LUA_NAMESPACE)})
    headers = handle:headers()
    if body then headers:replace("content-length", string.format("%d", body:length())) end
    if aigw["response_status"] then headers:replace(":status", string.format("%d", aigw["response_status"])) end
    if aigw["json_body"] then headers:replace("content-type", "application/json") end
  end
  local warning = aigw["warning"]
  if warning and warning ~= "" then headers:replace("x-aigw-warning", warning) end
  if decoded then headers:remove("content-encoding") end
  if aigw["stream"] and ok and not not_a_stream then
    local current = headers:get("content-type") or ""
    if string.find(current, "^text/event%-stream") == nil then headers:replace("content-type", "text/event-stream; charset=utf-8") end
  end
  -- A provider's error may echo the key it got: never in a header to the client.
  if ok then return end
  local upstream = handle:streamInfo():dynamicMetadata():get(${luaString(UPSTREAM_HEADERS_NAMESPACE)})
  if upstream == nil then return end
  local secrets = {}
  for name, value in pairs(upstream) do
    if CREDENTIALS[name] then
      local key = string.match(value, "(%S+)$")
      if key and #key >= 8 then secrets[#secrets + 1] = key end
    end
  end
  if #secrets == 0 then return end
  local leaks = {}
  for name, value in pairs(headers) do
    for _, key in ipairs(secrets) do
      if string.find(value, key, 1, true) then
        leaks[#leaks + 1] = name
        break
      end
    end
  end
  for _, name in ipairs(leaks) do headers:replace(name, "[REDACTED]") end
end
`;
}

/** The request-side Lua filter: after the buffer filter, before the ratelimit filter and the router. */
export function luaRequestFilter(conditional: readonly string[]): Json {
  return {
    name: 'aigw.lua.request',
    typed_config: typed('envoy.extensions.filters.http.lua.v3.Lua', { default_source_code: { inline_string: luaRequestSource(conditional) } }),
  };
}

/** The response-side Lua filter: first in the chain, so it sees responses after aigw has. */
export function luaResponseFilter(credentialHeaders: readonly string[]): Json {
  return {
    name: 'aigw.lua.response',
    typed_config: typed('envoy.extensions.filters.http.lua.v3.Lua', { default_source_code: { inline_string: luaResponseSource(credentialHeaders) } }),
  };
}

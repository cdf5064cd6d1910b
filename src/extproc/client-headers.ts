import type { RuntimeBackend, RuntimeConfig } from '../config/runtime';

/*
 * Client headers that only some backends may receive: a client API's own version and beta
 * flags go to that API's providers, and a backend's `forwardHeaders` to that backend. aigw
 * reads their values as request attributes; Envoy's Lua filter leaves each one only when the
 * first attempt's backend may have it, and the per-attempt processor sets it again, or
 * removes it, for each later attempt's backend.
 */

/** Client API headers and the backend kinds that speak that API. */
const CLIENT_API_HEADERS: Readonly<Record<string, readonly RuntimeBackend['kind'][]>> = {
  'anthropic-version': ['anthropic'],
  'anthropic-beta': ['anthropic'],
  'openai-beta': ['openai', 'azure-openai'],
};

/** The conditional client headers `backend` may receive. */
export function acceptedClientHeaders(backend: RuntimeBackend): string[] {
  const api = Object.entries(CLIENT_API_HEADERS)
    .filter(([, kinds]) => kinds.includes(backend.kind))
    .map(([name]) => name);
  return [...api, ...backend.forwardHeaders];
}

const cache = new WeakMap<RuntimeConfig, readonly string[]>();

/** Every conditional client header of the config: the client API headers and every backend's forwardHeaders. */
export function conditionalClientHeaders(config: RuntimeConfig): readonly string[] {
  let names = cache.get(config);
  if (!names) cache.set(config, (names = [...new Set([...Object.keys(CLIENT_API_HEADERS), ...[...config.backends.values()].flatMap((backend) => backend.forwardHeaders)])]));
  return names;
}

/** The conditional client headers among `headers` (the client's, read as attributes). */
export function sentConditionalHeaders(config: RuntimeConfig, headers: ReadonlyMap<string, string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of conditionalClientHeaders(config)) {
    const value = headers.get(name);
    if (value !== undefined) found.set(name, value);
  }
  return found;
}

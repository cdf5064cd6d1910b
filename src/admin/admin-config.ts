import type { AigwConfig } from '../config/schema';
import type { RedisStoreConfig } from '../config/schema-limits';
import type { Secret } from '../config/secret';
import { readSecret } from '../config/secret';

/** The compiled admin section. */
export interface RuntimeAdmin {
  /** The admin token; undefined when it cannot be read (then every admin call gets 401). */
  readonly token?: Secret;
  /** Where admin records live: memory, or Redis (named, or the rate-limit store's). */
  readonly store: 'memory' | { readonly redis: RedisStoreConfig };
  readonly pollIntervalMs: number;
}

/**
 * Compiles `admin`; undefined (admin API off) without it. With no store named, the admin
 * records share the rate-limit store's Redis (same URL and key prefix, separate keys), so
 * a fleet that already shares limits also shares keys without a second setting.
 */
export function compileAdmin(config: AigwConfig, env: NodeJS.ProcessEnv, warnings: string[]): RuntimeAdmin | undefined {
  const section = config.admin;
  if (!section) return undefined;
  const { secret, problem } = readSecret(section.token, env);
  if (problem) warnings.push(`admin.token: ${problem}; every admin API call will be refused (401 or 403)`);
  const limitsStore = config.rateLimits?.store;
  const store = section.store ?? (limitsStore && limitsStore !== 'memory' ? limitsStore : 'memory');
  if (store === 'memory') warnings.push('admin.store: memory; keys, limits, catalog and profiles changed through the admin API live in this process only and are lost on restart');
  return { token: secret, store, pollIntervalMs: section.pollIntervalMs };
}

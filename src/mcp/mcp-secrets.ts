import { readFileSync } from 'node:fs';
import { Secret } from '../config/secret';

/**
 * Reads one secret of the `mcp:` section from an environment variable or a file, once, at
 * config compile time. The problem names the source, never the value.
 */
export function readMcpSecret(source: { env?: string; file?: string }, env: NodeJS.ProcessEnv): { secret?: Secret; problem?: string } {
  if (source.env !== undefined) {
    const value = env[source.env];
    return value ? { secret: new Secret(value) } : { problem: `environment variable ${source.env} is not set` };
  }
  try {
    const value = readFileSync(source.file ?? '', 'utf8').trim();
    return value ? { secret: new Secret(value) } : { problem: `file ${source.file} is empty` };
  } catch {
    return { problem: `file ${source.file} cannot be read` };
  }
}

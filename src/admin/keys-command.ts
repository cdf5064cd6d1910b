/**
 * `aigw keys …`: the admin API's key endpoints from the command line. The admin token comes
 * from AIGW_ADMIN_TOKEN only (an argument would show in `ps` and shell history).
 */
import { parseArgs } from 'node:util';
import { plainMessage } from '../cli/args';

export const KEYS_USAGE = `aigw keys create --name NAME --team TEAM --project PROJECT [--user USER] [--expires-at ISO-8601]
aigw keys list
aigw keys rotate ID
aigw keys revoke ID
  options: --admin URL (default http://127.0.0.1:9090, aigw's admin address); token from AIGW_ADMIN_TOKEN`;

/** A usage problem (exit 2). */
export class KeysUsageError extends Error {}

interface Call {
  method: string;
  path: string;
  body?: Record<string, string>;
}

const KEY_OPTIONS = {
  name: { type: 'string' },
  team: { type: 'string' },
  project: { type: 'string' },
  user: { type: 'string' },
  'expires-at': { type: 'string' },
  admin: { type: 'string' },
} as const;

/** The action, its ID argument and its options, parsed strictly (an unknown flag is a usage error). */
function parseKeysArgs(args: readonly string[]): { action?: string; id?: string; values: Record<string, string | undefined> } {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: KEY_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new KeysUsageError(plainMessage(error as Error));
  }
  const [action, id, extra] = parsed.positionals;
  if (extra !== undefined) throw new KeysUsageError(`unexpected argument '${extra}'`);
  return { action, id, values: parsed.values as Record<string, string | undefined> };
}

/** Which admin call a `keys` command line makes. */
export function keysCall(args: readonly string[]): Call {
  const { action, id, values } = parseKeysArgs(args);
  switch (action) {
    case 'create': {
      if (id !== undefined) throw new KeysUsageError(`unexpected argument '${id}'`);
      const body: Record<string, string> = {};
      for (const [flag, field] of [
        ['name', 'name'],
        ['team', 'team'],
        ['project', 'project'],
        ['user', 'user'],
        ['expires-at', 'expiresAt'],
      ] as const) {
        const value = values[flag];
        if (value !== undefined) body[field] = value;
      }
      for (const required of ['name', 'team', 'project']) if (!body[required]) throw new KeysUsageError(`missing --${required}`);
      return { method: 'POST', path: '/admin/keys', body };
    }
    case 'list':
      if (id !== undefined) throw new KeysUsageError(`unexpected argument '${id}'`);
      return { method: 'GET', path: '/admin/keys' };
    case 'rotate':
    case 'revoke':
      if (!id) throw new KeysUsageError(`missing ID for keys ${action}`);
      return action === 'rotate' ? { method: 'POST', path: `/admin/keys/${encodeURIComponent(id)}/rotate` } : { method: 'DELETE', path: `/admin/keys/${encodeURIComponent(id)}` };
    default:
      throw new KeysUsageError(action ? `unknown keys command ${action}` : 'missing keys command');
  }
}

/** Runs a `keys` command: prints the admin API's JSON answer; resolves to the exit code. */
export async function runKeysCommand(args: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const call = keysCall(args);
  const token = env.AIGW_ADMIN_TOKEN;
  if (!token) throw new KeysUsageError('set AIGW_ADMIN_TOKEN to the admin token');
  const base = (parseKeysArgs(args).values.admin ?? 'http://127.0.0.1:9090').replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body ? { 'content-type': 'application/json' } : {}) },
      body: call.body ? JSON.stringify(call.body) : undefined,
    });
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, …).
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    err(
      `aigw keys: cannot reach aigw's admin API at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}). ` +
        'Is aigw running, with admin.token set in its config (the admin API is off without it) and server.admin at this address? Use --admin URL for another address.\n',
    );
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    err(`aigw keys: ${response.status} ${text}\n`);
    return 1;
  }
  out(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  // The key is printed once, like the API shows it once: say so where it cannot be missed.
  if (call.method === 'POST') err('aigw keys: the key above is shown once; store it now.\n');
  return 0;
}

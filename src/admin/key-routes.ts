import { z } from 'zod';
import type { KeyRecord } from '../auth/runtime-keys';
import { generateKey, generateKeyId, keyDigestHex, keyStatus, keyView } from '../auth/runtime-keys';
import { LimitsSchema, nameInUse } from './admin-state';
import type { AdminContext, AdminResponse, AdminRoute } from './admin-router';
import { AdminError } from './admin-router';

/** Caller names follow the config's rule for callers[].name. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const CreateKeySchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-63 letters, digits, "_", "." or "-"'),
    team: z.string().min(1).max(128),
    project: z.string().min(1).max(128),
    user: z.string().min(1).max(128).optional(),
    expiresAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2027-01-31T00:00:00Z' }).optional(),
  })
  .strict();

/** Parses a body with a schema; a 400 listing every problem with its field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined) throw new AdminError(400, 'The request needs a JSON body.');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.join('.');
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    return where ? `${where}: ${message}` : message;
  });
  throw new AdminError(400, `Invalid request body: ${problems.join('; ')}.`);
}

function mustFindKey(context: AdminContext, id: string): KeyRecord {
  const record = context.store.current().keys.get(id);
  if (!record) throw new AdminError(404, `No key with id "${id}".`);
  return record;
}

/** Runtime limits are enforced through the ratelimit filter, which needs a rateLimits section (it may be empty). */
export function enforced(context: AdminContext): boolean {
  return context.config().rateLimits !== undefined;
}

const iso = (time: number): string => new Date(time).toISOString();

async function createKey(context: AdminContext, body: unknown): Promise<AdminResponse> {
  const input = parseBody(CreateKeySchema, body);
  const now = context.now();
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now) throw new AdminError(400, 'Invalid request body: expiresAt: must be in the future.');
  if (context.config().source.callers.some((caller) => caller.name === input.name) || nameInUse(context.store.current(), input.name, now)) {
    throw new AdminError(409, `The caller name "${input.name}" is already in use by a live key.`);
  }
  const key = generateKey();
  const record: KeyRecord = {
    id: generateKeyId(),
    name: input.name,
    team: input.team,
    project: input.project,
    ...(input.user !== undefined ? { user: input.user } : {}),
    hash: keyDigestHex(key),
    createdAt: iso(now),
    ...(input.expiresAt !== undefined ? { expiresAt: iso(Date.parse(input.expiresAt)) } : {}),
  };
  await context.store.put('keys', record.id, record);
  const view = keyView(record, now);
  context.audit.adminChange({ action: 'key.create', target: record.id, actor: 'admin-token', details: { name: view.name, team: view.team, project: view.project, user: view.user, expiresAt: view.expiresAt } });
  // The key is in this answer and nowhere else, ever.
  return { status: 201, body: { ...view, key } };
}

async function rotateKey(context: AdminContext, id: string): Promise<AdminResponse> {
  const record = mustFindKey(context, id);
  const now = context.now();
  if (keyStatus(record, now) === 'revoked') throw new AdminError(409, `Key "${id}" is revoked; create a new one.`);
  const key = generateKey();
  // The stored hash is replaced, so the old key stops working everywhere at once.
  const rotated: KeyRecord = { ...record, hash: keyDigestHex(key), rotatedAt: iso(now) };
  await context.store.put('keys', id, rotated);
  context.audit.adminChange({ action: 'key.rotate', target: id, actor: 'admin-token', details: { name: record.name } });
  return { status: 200, body: { ...keyView(rotated, now), key } };
}

async function revokeKey(context: AdminContext, id: string): Promise<AdminResponse> {
  const record = mustFindKey(context, id);
  const now = context.now();
  if (record.revokedAt !== undefined) return { status: 200, body: keyView(record, now) };
  const revoked: KeyRecord = { ...record, revokedAt: iso(now) };
  await context.store.put('keys', id, revoked);
  context.audit.adminChange({ action: 'key.revoke', target: id, actor: 'admin-token', details: { name: record.name } });
  return { status: 200, body: keyView(revoked, now) };
}

async function putKeyLimits(context: AdminContext, id: string, body: unknown): Promise<AdminResponse> {
  const record = mustFindKey(context, id);
  const limits = parseBody(LimitsSchema, body);
  await context.store.put('key-limits', id, limits);
  context.audit.adminChange({ action: 'key.limits', target: id, actor: 'admin-token', details: { name: record.name, limits } });
  return { status: 200, body: { id, limits, enforced: enforced(context) } };
}

/** /admin/keys routes. */
export const KEY_ROUTES: readonly AdminRoute[] = [
  { method: 'POST', path: '/admin/keys', handle: (context, _params, body) => createKey(context, body) },
  {
    method: 'GET',
    path: '/admin/keys',
    handle: async (context) => {
      const now = context.now();
      return { status: 200, body: { data: [...context.store.current().keys.values()].map((record) => keyView(record, now)) } };
    },
  },
  { method: 'GET', path: '/admin/keys/{id}', handle: async (context, params) => ({ status: 200, body: keyView(mustFindKey(context, params.id), context.now()) }) },
  { method: 'DELETE', path: '/admin/keys/{id}', handle: (context, params) => revokeKey(context, params.id) },
  { method: 'POST', path: '/admin/keys/{id}/rotate', handle: (context, params) => rotateKey(context, params.id) },
  { method: 'PUT', path: '/admin/keys/{id}/limits', handle: (context, params, body) => putKeyLimits(context, params.id, body) },
  {
    method: 'GET',
    path: '/admin/keys/{id}/limits',
    handle: async (context, params) => {
      mustFindKey(context, params.id);
      return { status: 200, body: { id: params.id, limits: context.store.current().keyLimits.get(params.id) ?? {}, enforced: enforced(context) } };
    },
  },
];

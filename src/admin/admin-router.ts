import type { SpendQuery, SpendReport } from '../telemetry/spend-report';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RuntimeConfig } from '../config/runtime';
import type { Secret } from '../config/secret';
import type { AdminStore } from './admin-store';
import { StoreUnavailableError } from './admin-store';
import type { AdminAuditSink } from './audit-sink';

/** An admin call, already read off the wire. */
export interface AdminRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly authorization?: string;
  /** The parsed JSON body (undefined when there is none). */
  readonly body?: unknown;
  /** Query parameters (reports take them). */
  readonly query?: URLSearchParams;
}

/** The answer: status, JSON body and extra headers. */
export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is (the OpenAPI document), without the `storage` field. */
  readonly raw?: boolean;
}

/** What handlers work with. */
export interface AdminContext {
  readonly store: AdminStore;
  readonly audit: AdminAuditSink;
  /** The current config (catalog names, config callers). */
  readonly config: () => RuntimeConfig;
  readonly now: () => number;
  /** Spend from the audit log, when there is one. */
  readonly spend?: (query: SpendQuery) => Promise<SpendReport>;
}

/** One route: method, path template with `{param}`s, handler. */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly handle: (context: AdminContext, params: Readonly<Record<string, string>>, body: unknown, query: URLSearchParams) => Promise<AdminResponse>;
}

/** A client error with its status, answered as `{"error":{"message"}}`. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON error body every failure uses. */
export function errorBody(message: string): { error: { message: string } } {
  return { error: { message } };
}

/** Matches a path against a template; the params (URL-decoded) or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_whole, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  try {
    names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1])));
  } catch {
    return undefined;
  }
  return params;
}

/** Constant-time comparison of the presented admin token with the configured one (via digests, so lengths do not leak). */
export function tokenMatches(expected: Secret | undefined, authorization: string | undefined): 'ok' | 'missing' | 'wrong' {
  const presented = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (presented === undefined) return 'missing';
  if (!expected) return 'wrong';
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected.reveal())) ? 'ok' : 'wrong';
}

/**
 * The answer to a caller without the admin token (none: 401, a wrong one: 403), or undefined
 * when the token matches. The admin API and the admin server's `/spend` both use it.
 */
export function adminRefusal(token: Secret | undefined, authorization: string | undefined): AdminResponse | undefined {
  const auth = tokenMatches(token, authorization);
  if (auth === 'missing') return { status: 401, body: errorBody('Send the admin token in an Authorization header as "Bearer <token>".'), headers: { 'www-authenticate': 'Bearer' } };
  if (auth === 'wrong') return { status: 403, body: errorBody('The admin token is not valid.') };
  return undefined;
}

/** Answers one admin call: authentication, routing, and errors as JSON. Never throws. */
export async function handleAdmin(request: AdminRequest, token: Secret | undefined, routes: readonly AdminRoute[], context: AdminContext): Promise<AdminResponse> {
  const refusal = adminRefusal(token, request.authorization);
  if (refusal) return refusal;
  const candidates = routes.map((route) => ({ route, params: matchPath(route.path, request.path) })).filter((item) => item.params !== undefined);
  if (candidates.length === 0) return { status: 404, body: errorBody(`No admin endpoint at ${request.path}.`) };
  const found = candidates.find((item) => item.route.method === request.method);
  if (!found?.params) {
    const allowed = [...new Set(candidates.map((item) => item.route.method))].join(', ');
    return { status: 405, body: errorBody(`${request.method} is not allowed on ${request.path}; use ${allowed}.`), headers: { allow: allowed } };
  }
  try {
    const response = await found.route.handle(context, found.params, request.body, request.query ?? new URLSearchParams());
    return withStorage(response, context.store.storage);
  } catch (error) {
    if (error instanceof AdminError) return { status: error.status, body: errorBody(error.message) };
    if (error instanceof StoreUnavailableError) return { status: 503, body: errorBody('The admin store is unavailable; the change was not made. Retry shortly.'), headers: { 'retry-after': '1' } };
    return { status: 500, body: errorBody('The admin API failed to handle the request.') };
  }
}

/** With no Redis, every answer says the changes are held in this process only. */
function withStorage(response: AdminResponse, storage: 'memory' | 'redis'): AdminResponse {
  if (response.raw) return response;
  const body = typeof response.body === 'object' && response.body !== null && !Array.isArray(response.body) ? { ...response.body, storage } : response.body;
  if (storage === 'redis') return { ...response, body };
  return { ...response, body, headers: { ...response.headers, 'x-aigw-warning': 'admin store is memory: changes live in this aigw process only and are lost on restart' } };
}

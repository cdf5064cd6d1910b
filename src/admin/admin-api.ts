import type { SpendQuery, SpendReport } from '../telemetry/spend-report';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeConfig } from '../config/runtime';
import type { Secret } from '../config/secret';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from './admin-router';
import { errorBody, handleAdmin, tokenMatches } from './admin-router';
import type { AdminStore } from './admin-store';
import type { AdminAuditSink } from './audit-sink';
import { CATALOG_ROUTES } from './catalog-routes';
import { GUARDRAIL_ROUTES } from './guardrail-routes';
import { REPORT_ROUTES } from './report-routes';
import { KEY_ROUTES } from './key-routes';
import { ADMIN_OPENAPI } from './openapi';

/** Admin API bodies are small JSON objects. */
const MAX_BODY_BYTES = 64 * 1024;

/** Every admin route, the OpenAPI document's included. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  ...KEY_ROUTES,
  ...CATALOG_ROUTES,
  ...GUARDRAIL_ROUTES,
  ...REPORT_ROUTES,
  { method: 'GET', path: '/admin/openapi.json', handle: async () => ({ status: 200, body: ADMIN_OPENAPI, raw: true }) },
];

/** What the admin API needs from the gateway. */
export interface AdminApiOptions {
  readonly token: Secret | undefined;
  readonly store: AdminStore;
  readonly audit: AdminAuditSink;
  readonly config: () => RuntimeConfig;
  readonly now?: () => number;
  /** Spend from the audit log, when there is one (`GET /admin/spend`). */
  readonly spend?: (query: SpendQuery) => Promise<SpendReport>;
}

/** Answers one call (already parsed): for tests and the HTTP adapter below. */
export function adminCall(options: AdminApiOptions, request: AdminRequest): Promise<AdminResponse> {
  const context: AdminContext = { store: options.store, audit: options.audit, config: options.config, now: options.now ?? Date.now, spend: options.spend };
  return handleAdmin(request, options.token, ADMIN_ROUTES, context);
}

/** Writes an admin answer as JSON, never cached. */
export function sendAdminResponse(response: ServerResponse, answer: AdminResponse): void {
  response.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...answer.headers }).end(JSON.stringify(answer.body));
}

/** Reads the JSON body (at most MAX_BODY_BYTES); a 400 answer when it is not JSON. */
async function readBody(request: IncomingMessage): Promise<{ body?: unknown; problem?: AdminResponse }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { problem: { status: 413, body: errorBody(`The body is larger than ${MAX_BODY_BYTES} bytes.`) } };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { problem: { status: 400, body: errorBody('The body is not valid JSON.') } };
  }
}

/**
 * The HTTP side of the admin API, for the admin server's `/admin/` paths. The token is
 * checked before the body is read, so an unauthenticated caller cannot make aigw buffer.
 */
export function adminHttpHandler(options: AdminApiOptions): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin');
    const path = url.pathname;
    const query = url.searchParams;
    const method = request.method ?? 'GET';
    const authorization = request.headers.authorization;
    const answer = async (): Promise<AdminResponse> => {
      // Refused callers get their 401/403 without a body read.
      if (tokenMatches(options.token, authorization) !== 'ok') return adminCall(options, { method, path, authorization });
      const { body, problem } = await readBody(request);
      return problem ?? adminCall(options, { method, path, authorization, body, query });
    };
    answer().then(
      (result) => sendAdminResponse(response, result),
      () => sendAdminResponse(response, { status: 500, body: errorBody('The admin API failed to handle the request.') }),
    );
  };
}

import { GuardrailAssignmentSchema } from './admin-state';
import type { AdminContext, AdminResponse, AdminRoute } from './admin-router';
import { AdminError } from './admin-router';
import { parseBody } from './key-routes';

/**
 * Guardrail policy assignment at runtime: a team or a caller (a config caller or a runtime
 * key's name) gets one of the configured policies, `default`, or `none`. An assignment
 * comes before the config's policy matching: the caller's first, then the team's.
 */

type Scope = 'team' | 'caller';

function view(context: AdminContext, scope: Scope, name: string): { scope: Scope; name: string; policy: string | null; source: 'admin' | 'config' } {
  const policy = context.store.current().guardrails.get(`${scope}:${name}`);
  return { scope, name, policy: policy ?? null, source: policy === undefined ? 'config' : 'admin' };
}

async function put(context: AdminContext, scope: Scope, name: string, body: unknown): Promise<AdminResponse> {
  const assignment = parseBody(GuardrailAssignmentSchema, body);
  const known = context.config().guardrails?.policyNames() ?? [];
  if (assignment.policy !== 'none' && !known.includes(assignment.policy)) {
    throw new AdminError(400, `Invalid request body: policy: "${assignment.policy}" is not a guardrail policy of the config (known: ${[...known, 'none'].join(', ')}).`);
  }
  await context.store.put('guardrails', `${scope}:${name}`, assignment);
  context.audit.adminChange({ action: `${scope}.guardrails`, target: name, actor: 'admin-token', details: { policy: assignment.policy } });
  return { status: 200, body: view(context, scope, name) };
}

async function remove(context: AdminContext, scope: Scope, name: string): Promise<AdminResponse> {
  await context.store.remove('guardrails', `${scope}:${name}`);
  context.audit.adminChange({ action: `${scope}.guardrails.delete`, target: name, actor: 'admin-token', details: {} });
  return { status: 200, body: view(context, scope, name) };
}

function routes(scope: Scope, path: string, param: 'team' | 'name'): AdminRoute[] {
  return [
    { method: 'GET', path, handle: async (context, params) => ({ status: 200, body: view(context, scope, params[param]) }) },
    { method: 'PUT', path, handle: (context, params, body) => put(context, scope, params[param], body) },
    { method: 'DELETE', path, handle: (context, params) => remove(context, scope, params[param]) },
  ];
}

/** Team and caller guardrail routes. */
export const GUARDRAIL_ROUTES: readonly AdminRoute[] = [...routes('team', '/admin/teams/{team}/guardrails', 'team'), ...routes('caller', '/admin/callers/{name}/guardrails', 'name')];

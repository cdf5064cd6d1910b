import { LimitsSchema, ModelSettingSchema, ProfileSchema } from './admin-state';
import type { AdminContext, AdminResponse, AdminRoute } from './admin-router';
import { AdminError } from './admin-router';
import { enforced, parseBody } from './key-routes';

function mustBeModel(context: AdminContext, name: string): void {
  if (!context.config().models.has(name)) throw new AdminError(404, `No model "${name}" in the catalog.`);
}

function modelView(context: AdminContext, name: string): { name: string; enabled: boolean } {
  return { name, enabled: context.store.current().models.get(name)?.enabled !== false };
}

async function putModel(context: AdminContext, name: string, body: unknown): Promise<AdminResponse> {
  mustBeModel(context, name);
  const setting = parseBody(ModelSettingSchema, body);
  await context.store.put('models', name, setting);
  context.audit.adminChange({ action: 'model.update', target: name, actor: 'admin-token', details: { enabled: setting.enabled } });
  return { status: 200, body: modelView(context, name) };
}

/** A team's effective profile: the admin API's, else config's (`source` says which). */
function profileView(context: AdminContext, team: string): { team: string; models: string[] | null; source: 'admin' | 'config' | 'none' } {
  const runtime = context.store.current().profiles.get(team);
  if (runtime) return { team, models: runtime.models ?? null, source: 'admin' };
  const configured = context.config().accessProfiles.teams.get(team);
  return configured ? { team, models: [...configured], source: 'config' } : { team, models: null, source: 'none' };
}

async function putProfile(context: AdminContext, team: string, body: unknown): Promise<AdminResponse> {
  const profile = parseBody(ProfileSchema, body);
  const unknown = (profile.models ?? []).filter((name) => !context.config().models.has(name));
  if (unknown.length > 0) throw new AdminError(400, `Invalid request body: models: not in the catalog: ${unknown.join(', ')}.`);
  await context.store.put('profiles', team, profile);
  context.audit.adminChange({ action: 'team.profile', target: team, actor: 'admin-token', details: { models: profile.models ?? null } });
  return { status: 200, body: profileView(context, team) };
}

async function deleteProfile(context: AdminContext, team: string): Promise<AdminResponse> {
  await context.store.remove('profiles', team);
  context.audit.adminChange({ action: 'team.profile.delete', target: team, actor: 'admin-token', details: {} });
  return { status: 200, body: profileView(context, team) };
}

async function putTeamLimits(context: AdminContext, team: string, body: unknown): Promise<AdminResponse> {
  const limits = parseBody(LimitsSchema, body);
  await context.store.put('team-limits', team, limits);
  context.audit.adminChange({ action: 'team.limits', target: team, actor: 'admin-token', details: { limits } });
  return { status: 200, body: { team, limits, enforced: enforced(context) } };
}

/** Catalog, team profile and team limit routes. */
export const CATALOG_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/admin/models', handle: async (context) => ({ status: 200, body: { data: [...context.config().models.keys()].map((name) => modelView(context, name)) } }) },
  {
    method: 'GET',
    path: '/admin/models/{name}',
    handle: async (context, params) => {
      mustBeModel(context, params.name);
      return { status: 200, body: modelView(context, params.name) };
    },
  },
  { method: 'PUT', path: '/admin/models/{name}', handle: (context, params, body) => putModel(context, params.name, body) },
  { method: 'GET', path: '/admin/teams/{team}/profile', handle: async (context, params) => ({ status: 200, body: profileView(context, params.team) }) },
  { method: 'PUT', path: '/admin/teams/{team}/profile', handle: (context, params, body) => putProfile(context, params.team, body) },
  { method: 'DELETE', path: '/admin/teams/{team}/profile', handle: (context, params) => deleteProfile(context, params.team) },
  { method: 'GET', path: '/admin/teams/{team}/limits', handle: async (context, params) => ({ status: 200, body: { team: params.team, limits: context.store.current().teamLimits.get(params.team) ?? {}, enforced: enforced(context) } }) },
  { method: 'PUT', path: '/admin/teams/{team}/limits', handle: (context, params, body) => putTeamLimits(context, params.team, body) },
];

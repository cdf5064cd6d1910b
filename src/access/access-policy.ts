import type { AdminSnapshot } from '../admin/admin-state';
import type { Identity } from '../config/runtime';
import type { AccessProfilesConfig } from '../config/schema-admin';
import { GatewayError } from '../errors';

/**
 * The model catalog and access profiles: which models a caller may use. A model is usable
 * when it is enabled (the admin API can disable it) and in the caller's profiles:
 * - the team profile: the admin API's, when one is set for the team, else the config's;
 * - the caller profile from config, when there is one.
 * Both apply (the allowed set is their intersection); a missing profile allows every model.
 */

/** Static profiles from config, as sets. */
export interface RuntimeAccessProfiles {
  readonly teams: ReadonlyMap<string, ReadonlySet<string>>;
  readonly callers: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Compiles the accessProfiles section (empty when absent); a model not in the catalog is a warning. */
export function compileAccessProfiles(config: AccessProfilesConfig | undefined, catalog: ReadonlySet<string> = new Set(), warnings: string[] = []): RuntimeAccessProfiles {
  const sets = (section: 'teams' | 'callers'): Map<string, ReadonlySet<string>> =>
    new Map(
      Object.entries(config?.[section] ?? {}).map(([name, profile]) => {
        const unknown = profile.models.filter((model) => !catalog.has(model));
        if (unknown.length > 0) warnings.push(`accessProfiles.${section}.${name}.models: not in the catalog: ${unknown.join(', ')}`);
        return [name, new Set(profile.models)];
      }),
    );
  return { teams: sets('teams'), callers: sets('callers') };
}

/** Why a caller may not use a model, or 'allowed'. */
export type ModelAccess = 'allowed' | 'disabled' | 'not-in-profile';

/** The team's allowed models: the admin API's profile first, then config's; undefined = all. */
function teamModels(team: string, profiles: RuntimeAccessProfiles, snapshot: AdminSnapshot): ReadonlySet<string> | undefined {
  const runtime = snapshot.profiles.get(team);
  if (runtime) return runtime.models ? new Set(runtime.models) : undefined;
  return profiles.teams.get(team);
}

/** Whether `identity` may use the (existing) model `model`. */
export function modelAccess(model: string, identity: Identity, profiles: RuntimeAccessProfiles, snapshot: AdminSnapshot): ModelAccess {
  if (snapshot.models.get(model)?.enabled === false) return 'disabled';
  const team = teamModels(identity.team, profiles, snapshot);
  if (team && !team.has(model)) return 'not-in-profile';
  const caller = profiles.callers.get(identity.caller);
  if (caller && !caller.has(model)) return 'not-in-profile';
  return 'allowed';
}

/** The models (in catalog order) `identity` may use: what /v1/models lists. */
export function visibleModels(names: Iterable<string>, identity: Identity, profiles: RuntimeAccessProfiles, snapshot: AdminSnapshot): string[] {
  return [...names].filter((name) => modelAccess(name, identity, profiles, snapshot) === 'allowed');
}

/** The 403 for a refused model; 'allowed' gives undefined. */
export function modelAccessError(model: string, identity: Identity, access: ModelAccess): GatewayError | undefined {
  if (access === 'disabled') return new GatewayError(403, 'permission_error', 'model_disabled', `The model \`${model}\` is disabled on this gateway.`, 'model');
  if (access === 'not-in-profile') {
    return new GatewayError(403, 'permission_error', 'model_not_allowed', `The model \`${model}\` is not in the access profile of team \`${identity.team}\`.`, 'model');
  }
  return undefined;
}

/** Throws the 403 when `identity` may not use the model (called once the model is known to exist). */
export function assertModelAccess(model: string, identity: Identity, profiles: RuntimeAccessProfiles, snapshot: AdminSnapshot): void {
  const refused = modelAccessError(model, identity, modelAccess(model, identity, profiles, snapshot));
  if (refused) throw refused;
}

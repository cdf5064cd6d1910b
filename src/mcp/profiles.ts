import type { Identity } from '../config/runtime';
import type { McpProfileConfig } from './config-schema';

/** What one profile grants on one server: tool-name patterns, compiled once. */
export interface ToolGrant {
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
}

/** A compiled profile: who it applies to and which servers and tools it opens. */
export interface McpProfile {
  readonly name: string;
  readonly callers: ReadonlySet<string>;
  readonly teams: ReadonlySet<string>;
  /** Server name → the tools granted there; a server not in here is not reachable. */
  readonly grants: ReadonlyMap<string, ToolGrant>;
}

/** `create_*` → /^create_.*$/: `*` any run of characters, `?` one; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((character) => (character === '*' ? '.*' : character === '?' ? '.' : character.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** Compiles the profiles of the config; grants for one server in one profile are merged. */
export function compileProfiles(profiles: readonly McpProfileConfig[]): McpProfile[] {
  return profiles.map((profile) => {
    const grants = new Map<string, { include: RegExp[]; exclude: RegExp[] }>();
    for (const grant of profile.allow) {
      const entry = grants.get(grant.server) ?? { include: [], exclude: [] };
      entry.include.push(...grant.include.map(globToRegExp));
      entry.exclude.push(...grant.exclude.map(globToRegExp));
      grants.set(grant.server, entry);
    }
    return { name: profile.name, callers: new Set(profile.callers), teams: new Set(profile.teams), grants };
  });
}

/**
 * The profile that governs a caller: the first that names the caller, else the first that
 * names its team. Caller names win over teams so one agent of a team can be narrowed.
 * Undefined when profiles exist and none applies (the caller is refused).
 */
export function profileFor(profiles: readonly McpProfile[], identity: Identity): McpProfile | undefined {
  return profiles.find((profile) => profile.callers.has(identity.caller)) ?? profiles.find((profile) => profile.teams.has(identity.team));
}

/** A profile that opens every tool of every server (used when no profiles are configured). */
export function openProfile(serverNames: readonly string[]): McpProfile {
  const everything: ToolGrant = { include: [/^/], exclude: [] };
  return { name: '*', callers: new Set(), teams: new Set(), grants: new Map(serverNames.map((name) => [name, everything])) };
}

/** Whether the profile lets its caller reach `server` at all. */
export function serverAllowed(profile: McpProfile, server: string): boolean {
  return profile.grants.has(server);
}

/** Whether the profile lets its caller see and call `tool` (the server's own name for it) on `server`. */
export function toolAllowed(profile: McpProfile, server: string, tool: string): boolean {
  const grant = profile.grants.get(server);
  if (!grant) return false;
  return grant.include.some((pattern) => pattern.test(tool)) && !grant.exclude.some((pattern) => pattern.test(tool));
}

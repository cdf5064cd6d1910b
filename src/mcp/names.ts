/**
 * How upstream names appear to clients: tools and prompts as `<server><separator><name>`,
 * resource URIs as `<server>+<uri>` (a valid URI scheme prefix, and reversible because server
 * names cannot contain "+"). Pure functions; the server names come from the config.
 */

/** `github` + `__` + `create_issue` → `github__create_issue`. */
export function prefixName(server: string, name: string, separator: string): string {
  return `${server}${separator}${name}`;
}

/**
 * Splits a prefixed name at the first separator. Undefined when there is none or the prefix
 * names no configured server, so an unknown name is refused before any upstream sees it.
 */
export function splitPrefixedName(
  prefixed: string,
  separator: string,
  servers: ReadonlySet<string>,
): { server: string; name: string } | undefined {
  const at = prefixed.indexOf(separator);
  if (at <= 0) return undefined;
  const server = prefixed.slice(0, at);
  const name = prefixed.slice(at + separator.length);
  return servers.has(server) && name.length > 0 ? { server, name } : undefined;
}

/** `file:///readme.md` on server `docs` → `docs+file:///readme.md`. */
export function namespaceUri(server: string, uri: string): string {
  return `${server}+${uri}`;
}

/** The reverse of namespaceUri; undefined for a URI that names no configured server. */
export function splitNamespacedUri(namespaced: string, servers: ReadonlySet<string>): { server: string; uri: string } | undefined {
  const at = namespaced.indexOf('+');
  if (at <= 0) return undefined;
  const server = namespaced.slice(0, at);
  const uri = namespaced.slice(at + 1);
  return servers.has(server) && uri.length > 0 ? { server, uri } : undefined;
}

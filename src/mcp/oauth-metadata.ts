import type { IncomingHttpHeaders } from 'node:http';
import type { RuntimeMcp } from './runtime-mcp';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) as the MCP authorization spec asks: a
 * client that gets 401 reads `resource_metadata` from WWW-Authenticate, fetches this
 * document and learns which authorization servers issue tokens for the gateway.
 * https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */

/** The path the MCP endpoint is served on (Envoy routes it to aigw). */
export const MCP_PATH = '/mcp';
/** RFC 9728 §3.1: the well-known prefix, followed by the resource's path. */
export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

/** The public URL of the MCP endpoint: configured, else from the request's Host (and Envoy's x-forwarded-proto). */
export function resourceUrl(mcp: RuntimeMcp, headers: IncomingHttpHeaders): string {
  if (mcp.resource) return mcp.resource;
  const forwarded = headers['x-forwarded-proto'];
  const scheme = (Array.isArray(forwarded) ? forwarded[0] : forwarded) === 'https' ? 'https' : 'http';
  const host = headers.host && /^[A-Za-z0-9.:[\]-]+$/.test(headers.host) ? headers.host : 'localhost';
  return `${scheme}://${host}${MCP_PATH}`;
}

/** Where the metadata document for `resource` lives: the well-known prefix inserted before the path. */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${METADATA_PREFIX}${path}`;
}

/** The metadata document itself. */
export function protectedResourceMetadata(mcp: RuntimeMcp, resource: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: mcp.authorizationServers,
    bearer_methods_supported: ['header'],
    ...(mcp.scopes.length > 0 ? { scopes_supported: mcp.scopes } : {}),
    resource_name: 'aigw MCP gateway',
  };
}

/** The WWW-Authenticate value of a 401 (RFC 6750 §3 plus RFC 9728 §5.1's resource_metadata). */
export function wwwAuthenticate(resource: string, tokenPresented: boolean): string {
  const error = tokenPresented ? ', error="invalid_token", error_description="The access token is not valid"' : '';
  return `Bearer resource_metadata="${metadataUrl(resource)}"${error}`;
}

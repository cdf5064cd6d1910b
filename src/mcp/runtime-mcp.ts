import { randomBytes } from 'node:crypto';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readMcpSecret } from './mcp-secrets';
import type { Secret } from '../config/secret';
import type { McpConfig, McpServerConfig } from './config-schema';
import { compileProfiles } from './profiles';
import type { McpProfile } from './profiles';
import { deriveSessionKey } from './session-token';

/** One upstream MCP server, ready for requests. */
export interface RuntimeMcpServer {
  readonly name: string;
  /** Streamable HTTP servers: the endpoint. */
  readonly url?: URL;
  /** stdio servers: the child to start (environment resolved once; it may hold passed secrets, never log it). */
  readonly stdio?: { readonly command: string; readonly args: readonly string[]; readonly cwd?: string; readonly env: Readonly<Record<string, string>> };
  readonly timeoutMs: number;
  readonly callTimeoutMs: number;
  /** The header the gateway adds upstream, with its value; never logged. */
  readonly credential?: { readonly header: string; readonly prefix: string; readonly secret: Secret };
  readonly forwardClientToken: boolean;
}

/** The compiled `mcp:` section. */
export interface RuntimeMcp {
  /** Where aigw's MCP listener binds (server.mcp) and Envoy's aigw_mcp cluster points. */
  readonly address: string;
  readonly servers: ReadonlyMap<string, RuntimeMcpServer>;
  readonly serverNames: ReadonlySet<string>;
  /** Undefined when none are configured: every authenticated caller reaches everything. */
  readonly profiles?: readonly McpProfile[];
  readonly separator: string;
  /** AES-256 key for session ids, derived once from the session secret. */
  readonly sessionKey: Buffer;
  readonly sessionTtlSeconds: number;
  readonly pinning: McpConfig['pinning'];
  /** Milliseconds after which a tools/call re-reads its server's tool list for the pin check. */
  readonly pinRecheckMs: number;
  readonly adminToken?: Secret;
  readonly resource?: string;
  readonly authorizationServers: readonly string[];
  readonly scopes: readonly string[];
  readonly allowedOrigins: readonly string[];
}

/** server.mcp when the config names none. */
export const DEFAULT_MCP_ADDRESS = '127.0.0.1:9092';

/** Sessions need real entropy: a short secret would make the derived key guessable. */
const MIN_SESSION_SECRET_BYTES = 32;

function compileServer(server: McpServerConfig, processEnv: NodeJS.ProcessEnv, warnings: string[], index: number): RuntimeMcpServer {
  let credential: RuntimeMcpServer['credential'];
  if (server.credential) {
    const { secret, problem } = readMcpSecret(server.credential, processEnv);
    if (secret) {
      const prefix = server.credential.prefix ?? (server.credential.header === 'authorization' ? 'Bearer ' : '');
      credential = { header: server.credential.header, prefix, secret };
    } else {
      warnings.push(`mcp.servers[${index}].credential: ${problem}; requests to MCP server "${server.name}" go without it`);
    }
  }
  let stdio: RuntimeMcpServer['stdio'];
  if (server.command) {
    const env: Record<string, string> = { ...getDefaultEnvironment(), ...server.env };
    for (const name of server.passEnv) {
      const value = processEnv[name];
      if (value === undefined) warnings.push(`mcp.servers[${index}].passEnv: environment variable ${name} is not set`);
      else env[name] = value;
    }
    const [command, ...args] = server.command;
    stdio = { command, args, cwd: server.cwd, env };
  }
  return {
    name: server.name,
    url: server.url === undefined ? undefined : new URL(server.url),
    stdio,
    timeoutMs: server.timeoutMs,
    callTimeoutMs: server.callTimeoutMs,
    credential,
    forwardClientToken: server.forwardClientToken,
  };
}

/**
 * Compiles the `mcp:` section: reads secrets once (env or file) and derives the session key
 * once. A missing session secret is a warning, not a failure: sessions then use a random key
 * and do not survive a restart or move between replicas.
 */
export function compileMcp(
  config: McpConfig,
  address: string | undefined,
  callerNames: ReadonlySet<string>,
  env: NodeJS.ProcessEnv,
  warnings: string[],
): RuntimeMcp {
  const servers = new Map(config.servers.map((server, index) => [server.name, compileServer(server, env, warnings, index)]));
  const session = readMcpSecret(config.sessionSecret, env);
  let sessionKey: Buffer;
  if (session.secret && Buffer.byteLength(session.secret.reveal(), 'utf8') >= MIN_SESSION_SECRET_BYTES) {
    sessionKey = deriveSessionKey(session.secret.reveal());
  } else {
    const why = session.secret ? `is shorter than ${MIN_SESSION_SECRET_BYTES} bytes` : session.problem;
    warnings.push(`mcp.sessionSecret: ${why}; MCP sessions use a random key and end when this process does`);
    sessionKey = randomBytes(32);
  }
  let adminToken: Secret | undefined;
  if (config.adminToken) {
    const admin = readMcpSecret(config.adminToken, env);
    if (admin.secret) adminToken = admin.secret;
    else warnings.push(`mcp.adminToken: ${admin.problem}; the MCP admin endpoint is off`);
  }
  config.profiles?.forEach((profile, index) => {
    profile.callers.forEach((caller, callerIndex) => {
      if (!callerNames.has(caller)) warnings.push(`mcp.profiles[${index}].callers[${callerIndex}]: no caller is named "${caller}"`);
    });
  });
  return Object.freeze({
    address: address ?? DEFAULT_MCP_ADDRESS,
    servers,
    serverNames: new Set(servers.keys()),
    profiles: config.profiles ? compileProfiles(config.profiles) : undefined,
    separator: config.separator,
    sessionKey,
    sessionTtlSeconds: config.sessionTtlSeconds,
    pinning: config.pinning,
    pinRecheckMs: config.pinRecheckSeconds * 1000,
    adminToken,
    resource: config.resource,
    authorizationServers: config.authorizationServers,
    scopes: config.scopes,
    allowedOrigins: config.allowedOrigins,
  });
}

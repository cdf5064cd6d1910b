import { z } from 'zod';

/**
 * The `mcp:` section of `aigw.yaml`: which upstream MCP servers the gateway fronts, who may
 * use which of their tools, and the secrets for sessions and the admin API. Strict, like the
 * rest of the config, so a typo is an error with its path.
 */

/** Server names become tool-name prefixes and resource-URI schemes: letters, digits, "-" only. */
const SERVER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** Where one secret value comes from (the value never appears in the config file). */
export const McpSecretSourceSchema = z
  .object({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1).optional(),
  })
  .strict()
  .refine((source) => (source.env === undefined) !== (source.file === undefined), { message: 'set exactly one of env or file' });

/** A credential the gateway adds to every request to one upstream server. */
export const McpCredentialSchema = z
  .object({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1).optional(),
    header: z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name').default('authorization'),
    /** Text before the secret in the header ("Bearer " for authorization by default). */
    prefix: z.string().optional(),
  })
  .strict()
  .refine((source) => (source.env === undefined) !== (source.file === undefined), { message: 'set exactly one of env or file' });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const McpServerSchema = z
  .object({
    name: z.string().regex(SERVER_NAME, 'must start with a letter and hold only letters, digits and "-" (at most 63)'),
    /** The server's Streamable HTTP endpoint (or `command` for a local stdio server). */
    url: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must start with http:// or https://')
      .optional(),
    /** A local server speaking MCP on stdio: program and arguments, started by aigw on first use (one process per aigw). */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** stdio: working directory of the child. */
    cwd: z.string().min(1).optional(),
    /** stdio: environment of the child, besides the SDK's safe defaults (HOME, PATH, …). Values are literal: not for secrets. */
    env: z.record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string()).default({}),
    /** stdio: aigw's own environment variables passed to the child (the way to hand it a secret). */
    passEnv: z.array(z.string().regex(ENV_NAME, 'must be an environment variable name')).default([]),
    /** Milliseconds to wait for this server in initialize and the list fan-outs before leaving it out. */
    timeoutMs: z.number().int().min(10).max(120_000).default(5_000),
    /** Milliseconds a tools/call, prompts/get or resources/read may take (progress does not extend it). */
    callTimeoutMs: z.number().int().min(10).max(3_600_000).default(300_000),
    credential: McpCredentialSchema.optional(),
    /** Send the client's own Authorization header upstream (off: a client token never leaves the gateway). */
    forwardClientToken: z.boolean().default(false),
  })
  .strict()
  .refine((server) => (server.url === undefined) !== (server.command === undefined), { message: 'set exactly one of url or command', path: ['url'] })
  .refine((server) => server.command !== undefined || (server.cwd === undefined && Object.keys(server.env).length === 0 && server.passEnv.length === 0), {
    message: 'cwd, env and passEnv are for stdio servers (command)',
    path: ['command'],
  })
  .refine((server) => server.url !== undefined || (server.credential === undefined && !server.forwardClientToken), {
    message: 'credential and forwardClientToken are HTTP headers: for url servers (a stdio server gets secrets through passEnv)',
    path: ['credential'],
  })
  .refine((server) => !(server.forwardClientToken && server.credential?.header === 'authorization'), {
    message: 'forwardClientToken sends the client\'s Authorization header: the credential needs another header',
    path: ['forwardClientToken'],
  });

/** Tools of one server a profile grants; names or globs (`*`, `?`) on the server's own tool names. */
export const McpGrantSchema = z
  .object({
    server: z.string().min(1),
    /** Default: every tool. */
    include: z.array(z.string().min(1)).min(1).default(['*']),
    exclude: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const McpProfileSchema = z
  .object({
    name: z.string().min(1).max(63),
    /** Callers (by name) and teams this profile applies to; the first matching profile wins. */
    callers: z.array(z.string().min(1)).default([]),
    teams: z.array(z.string().min(1)).default([]),
    allow: z.array(McpGrantSchema).min(1),
  })
  .strict()
  .refine((profile) => profile.callers.length + profile.teams.length > 0, { message: 'name at least one caller or team', path: ['callers'] });

export const McpConfigSchema = z
  .object({
    servers: z.array(McpServerSchema).min(1),
    /**
     * Who may use what. Without profiles every authenticated caller reaches every server; with
     * them, a caller no profile names is refused.
     */
    profiles: z.array(McpProfileSchema).optional(),
    /** Between the server name and the tool or prompt name: `github__create_issue`. */
    separator: z
      .string()
      .min(1)
      .max(8)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, "_", ".", ":" or "-"')
      .default('__'),
    /** Encrypts the Mcp-Session-Id (at least 32 bytes); every aigw replica needs the same. */
    sessionSecret: McpSecretSourceSchema,
    /** Seconds a session stays valid after initialize; then the client gets 404 and initializes again. */
    sessionTtlSeconds: z.number().int().min(60).max(30 * 86400).default(86400),
    /** off: no hashes kept; warn: changes are flagged; enforce: changed tools are hidden until approved. */
    pinning: z.enum(['off', 'warn', 'enforce']).default('warn'),
    /**
     * A tools/call re-reads its server's tool list (and checks the pins) when the last list of
     * that server is older than this: a definition swapped after approval is caught even from a
     * client that never lists again. 0: on every call.
     */
    pinRecheckSeconds: z.number().int().min(0).max(86400).default(30),
    /** Bearer token for POST /admin/mcp/tools/approve on the admin server; the endpoint is off without it. */
    adminToken: McpSecretSourceSchema.optional(),
    /** The public URL of the MCP endpoint (the OAuth resource); default: derived from each request's Host. */
    resource: z.string().url().optional(),
    /** OAuth authorization servers named in the protected-resource metadata document. */
    authorizationServers: z.array(z.string().url()).default([]),
    /** Scopes listed in the metadata document. */
    scopes: z.array(z.string().min(1)).default([]),
    /** Browser origins allowed to call /mcp (a request with any other Origin header is refused: DNS rebinding). */
    allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://app.example.com')).default([]),
  })
  .strict()
  .superRefine((mcp, context) => {
    const names = new Set<string>();
    mcp.servers.forEach((server, index) => {
      if (names.has(server.name)) context.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `duplicate server name "${server.name}"` });
      if (server.name.includes(mcp.separator)) {
        context.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `must not contain the separator "${mcp.separator}"` });
      }
      names.add(server.name);
    });
    const profileNames = new Set<string>();
    mcp.profiles?.forEach((profile, index) => {
      if (profileNames.has(profile.name)) context.addIssue({ code: 'custom', path: ['profiles', index, 'name'], message: `duplicate profile name "${profile.name}"` });
      profileNames.add(profile.name);
      profile.allow.forEach((grant, grantIndex) => {
        if (!names.has(grant.server)) {
          context.addIssue({ code: 'custom', path: ['profiles', index, 'allow', grantIndex, 'server'], message: `unknown server "${grant.server}"` });
        }
      });
    });
  });

export type McpConfig = z.output<typeof McpConfigSchema>;
export type McpServerConfig = z.output<typeof McpServerSchema>;
export type McpProfileConfig = z.output<typeof McpProfileSchema>;

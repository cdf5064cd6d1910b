import { z } from 'zod';
import { DEFAULT_MAX_JSON_DEPTH } from '../api/json-depth';
import { DEFAULT_MAX_RESPONSE_BODY_BYTES, DEFAULT_MAX_STREAM_EVENT_BYTES, MAX_STREAM_EVENT_BYTES_CEILING } from '../providers/stream-limits';
import { AccessProfilesSchema, AdminSchema, JwtSchema } from './schema-admin';
import { GuardrailsSchema, guardrailProblems } from './schema-guardrails';
import { RoutingSchema, routingProblems } from './schema-routing';
import { McpConfigSchema } from '../mcp/config-schema';
import { PriceSchema, RateLimitsSchema } from './schema-limits';
import { SecretSourceSchema } from './schema-secret';

/**
 * The schema of `aigw.yaml`: strict for everything a user writes, so a typo is an
 * error with its path instead of a silently ignored key.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * OpenAI-compatible providers by name, so a config says `preset: groq` instead of the URL.
 * Each is the base URL the provider documents for its OpenAI-compatible API.
 */
export const PRESETS = {
  openai: 'https://api.openai.com/v1',
  mistral: 'https://api.mistral.ai/v1',
  groq: 'https://api.groq.com/openai/v1',
  together: 'https://api.together.xyz/v1',
  deepinfra: 'https://api.deepinfra.com/v1/openai',
  deepseek: 'https://api.deepseek.com/v1',
  sambanova: 'https://api.sambanova.ai/v1',
  xai: 'https://api.x.ai/v1',
  cohere: 'https://api.cohere.ai/compatibility/v1',
  hunyuan: 'https://api.hunyuan.cloud.tencent.com/v1',
} as const;

const PRESET_NAMES = Object.keys(PRESETS) as [keyof typeof PRESETS, ...Array<keyof typeof PRESETS>];

/** host:port, or unix:/path for a Unix domain socket. */
/** The default gRPC socket: owner-only, beside nothing else. */
export const DEFAULT_GRPC_SOCKET = 'unix:/tmp/aigw/extproc.sock';

/** mTLS between Envoy and aigw over TCP: each side's certificate and the CA it checks the other with. */
export const GrpcTlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** CA that the peer's certificate must chain to. */
    caFile: z.string().min(1),
  })
  .strict();

const ListenAddressSchema = z
  .string()
  .regex(/^(unix:\/.+|[^\s:]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$/, 'must be host:port or unix:/absolute/path');

/** Client headers no backend may be configured to receive: credentials and hop-by-hop or forwarding headers. */
const FORBIDDEN_FORWARD: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'host', 'connection', 'transfer-encoding', 'te', 'upgrade']);

/** Where a secret comes from. The secret itself never appears in the config file. */
export const CredentialSchema = z
  .object({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1).optional(),
    /** Header that carries the credential upstream (default by kind: authorization, or x-api-key for anthropic). */
    header: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a lowercase header name')
      .optional(),
    /** Text put before the secret in that header (default by kind: "Bearer ", or none for anthropic). */
    prefix: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.env === undefined) !== (c.file === undefined), {
    message: 'set exactly one of env or file',
  });

/**
 * AWS credentials for Bedrock. The region defaults to the one in the baseUrl host. Without
 * keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when set, else the AWS SDK's default chain
 * (shared files and profiles, SSO, web identity, ECS, EC2 instance metadata).
 */
export const AwsSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1').optional(),
    accessKeyId: SecretSourceSchema.optional(),
    secretAccessKey: SecretSourceSchema.optional(),
    sessionToken: SecretSourceSchema.optional(),
    /** A profile of the shared config files, for the default chain. */
    profile: z.string().min(1).optional(),
  })
  .strict()
  .refine((aws) => (aws.accessKeyId === undefined) === (aws.secretAccessKey === undefined), { message: 'set both accessKeyId and secretAccessKey, or neither' })
  .refine((aws) => aws.sessionToken === undefined || aws.accessKeyId !== undefined, { message: 'sessionToken goes with accessKeyId and secretAccessKey', path: ['sessionToken'] })
  .refine((aws) => aws.profile === undefined || aws.accessKeyId === undefined, { message: 'profile is for the default credential chain: drop it, or the keys', path: ['profile'] });

/** Google Cloud project and credentials for Vertex AI. */
export const GcpSchema = z
  .object({
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
    /** A region such as us-east5, or global. */
    location: z.string().regex(/^(global|[a-z]+-[a-z]+\d+)$/, 'must be a Vertex AI location such as us-east5, europe-west1 or global'),
    /** A service-account key (JSON) file; without one, Application Default Credentials (metadata server, workload identity, gcloud). */
    credentialsFile: z.string().min(1).optional(),
    /** Token endpoint to use instead of https://oauth2.googleapis.com/token (Private Service Connect, or a test double). */
    tokenUrl: z.string().url().optional(),
  })
  .strict();

/**
 * azure-openai: a Microsoft Entra ID bearer token instead of an `api-key` (client-credentials
 * flow). The client proves itself with a secret, or with a federated token file (AKS workload
 * identity writes one and names it in AZURE_FEDERATED_TOKEN_FILE).
 */
export const EntraIdSchema = z
  .object({
    tenantId: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant id (GUID) or domain'),
    clientId: z.string().min(1),
    clientSecret: SecretSourceSchema.optional(),
    /** Path of a federated token (JWT) sent as client_assertion; read again for every token fetch, as it rotates. */
    federatedTokenFile: z.string().min(1).optional(),
    /** Default https://login.microsoftonline.com (sovereign clouds have their own). */
    authorityHost: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
      .default('https://login.microsoftonline.com'),
    scope: z.string().min(1).default('https://cognitiveservices.azure.com/.default'),
  })
  .strict()
  .refine((entra) => (entra.clientSecret === undefined) !== (entra.federatedTokenFile === undefined), {
    message: 'set exactly one of clientSecret or federatedTokenFile',
  });

export const BackendSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-63 letters, digits, "_", "." or "-"'),
    /** The provider API the backend speaks. `openai` covers every OpenAI-compatible API. */
    kind: z.enum(['openai', 'azure-openai', 'anthropic', 'gemini', 'bedrock', 'vertex']),
    /** vertex: project, location and credentials (models named claude-* are served by Anthropic's publisher, others by Google's). */
    gcp: GcpSchema.optional(),
    /** bedrock: AWS region and keys (SigV4 signs each attempt's final body). */
    aws: AwsSchema.optional(),
    /** azure-openai: authenticate with an Entra ID token (instead of credential). */
    entraId: EntraIdSchema.optional(),
    /**
     * bedrock: `converse` (Converse/ConverseStream, any model) or `invoke` (InvokeModel with
     * Anthropic's own Messages body, for Anthropic models: nothing is lost in translation).
     */
    api: z.enum(['converse', 'invoke']).optional(),
    /** azure-openai: `v1` for the v1 API, or a dated api-version such as 2024-10-21 (deployment in the path). */
    apiVersion: z.string().regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, 'must be v1 or a date like 2024-10-21').optional(),
    /** anthropic: the `anthropic-version` header sent upstream. */
    anthropicVersion: z.enum(['2023-06-01', '2026-10-21']).optional(),
    /** Like the OpenAI SDK's baseURL: scheme, host, optional port and path prefix (e.g. https://api.openai.com/v1). */
    baseUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
      .refine((u) => !/[?#]/.test(u), 'must not have a query or fragment')
      .optional(),
    /** A known OpenAI-compatible provider: fills in baseUrl (kind openai). */
    preset: z.enum(PRESET_NAMES).optional(),
    /**
     * Connect to this host, or host:port, instead of the baseUrl's (Host and SNI still use the
     * baseUrl host): a private endpoint, an egress proxy, or a local stand-in for a preset.
     */
    address: z
      .string()
      .min(1)
      .refine((value) => {
        const port = /^(?:\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(value)?.[1];
        return port === undefined ? !/\s/.test(value) : Number(port) >= 1 && Number(port) <= 65535;
      }, 'must be a host, an IP address or host:port (port 1-65535)')
      .optional(),
    credential: CredentialSchema.optional(),
    /** Model name sent to this backend instead of the requested one (a model's backend entry can override it again). */
    model: z.string().min(1).optional(),
    /** Ask for usage in streams (`stream_options.include_usage`); turn off for servers that reject it. */
    streamIncludeUsage: z.boolean().default(true),
    /**
     * Client headers this backend may also receive, beyond the ones every provider gets
     * (content type, trace context, idempotency key, the client API's version and beta flags).
     */
    forwardHeaders: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lowercase header name'))
      .refine((names) => !names.some((name) => FORBIDDEN_FORWARD.has(name)), `must not name ${[...FORBIDDEN_FORWARD].join(', ')}`)
      .default([]),
    tls: z
      .object({
        /** PEM bundle used to verify this backend instead of the system bundle. */
        caFile: z.string().min(1).optional(),
        /** SNI and certificate name to check, when not the baseUrl host. */
        serverName: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((backend) => backend.baseUrl !== undefined || backend.preset !== undefined || backend.kind === 'vertex', {
    message: 'set baseUrl or preset',
    path: ['baseUrl'],
  })
  .refine((backend) => (backend.kind === 'vertex') === (backend.gcp !== undefined), {
    message: 'vertex backends need gcp (project and location), and only they take it',
    path: ['gcp'],
  })
  .refine((backend) => backend.kind !== 'bedrock' || backend.aws !== undefined, {
    message: 'bedrock backends need aws (aws: {} uses AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else the AWS default credential chain)',
    path: ['aws'],
  })
  .refine((backend) => backend.entraId === undefined || backend.kind === 'azure-openai', {
    message: 'entraId is for azure-openai backends',
    path: ['entraId'],
  })
  .refine((backend) => backend.entraId === undefined || backend.credential === undefined, {
    message: 'set credential or entraId, not both',
    path: ['entraId'],
  })
  .refine((backend) => backend.api === undefined || backend.kind === 'bedrock', {
    message: 'api chooses between Bedrock APIs: only for kind bedrock',
    path: ['api'],
  })
  .refine((backend) => backend.preset === undefined || backend.kind === 'openai', {
    message: 'presets are OpenAI-compatible providers: use kind openai',
    path: ['preset'],
  });

export const ModelBackendSchema = z
  .object({
    backend: z.string().min(1),
    /** Lower is tried first; backends with the same priority share load. Defaults to list order. */
    priority: z.number().int().min(0).max(100).optional(),
    /**
     * Share of the load among backends of the same priority (Envoy's load_balancing_weight on
     * this backend's endpoint; weighted round robin). Default 1.
     */
    weight: z.number().int().min(1).max(1_000_000).optional(),
    /** Model name sent upstream for this model on this backend. */
    model: z.string().min(1).optional(),
  })
  .strict();

export const ModelSchema = z
  .object({
    name: z.string().min(1).max(256).regex(/^[^\s]+$/, 'must not contain whitespace'),
    backends: z.array(ModelBackendSchema).min(1),
    /** Retries after the first attempt; defaults to one per extra backend. */
    retries: z.number().int().min(0).max(10).optional(),
    /** Seconds a request may go without a byte either way (a stream's pause); default limits.idleTimeoutSeconds. */
    idleTimeoutSeconds: z.number().int().min(1).max(86400).optional(),
  })
  .strict();

export const CallerSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-63 letters, digits, "_", "." or "-"'),
    /** SHA-256 of the API key: `sha256:<64 hex>` (make one with `aigw hash-key`). */
    keyHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex digits>'),
    team: z.string().min(1).max(128),
    project: z.string().min(1).max(128),
    user: z.string().min(1).max(128).optional(),
  })
  .strict();

export const AigwConfigSchema = z
  .object({
    listener: z
      .object({
        address: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(1).max(65535).default(10000),
      })
      .strict()
      .prefault({}),
    envoy: z
      .object({
        adminAddress: z.string().min(1).default('127.0.0.1'),
        adminPort: z.number().int().min(0).max(65535).default(9901),
        accessLog: z.string().min(1).default('/dev/stdout'),
        /** CA bundle used to verify https backends that name no caFile. */
        caBundle: z.string().min(1).default('/etc/ssl/certs/ca-certificates.crt'),
        /** How Envoy reaches aigw's ext_proc server; defaults to the first server.grpc address. */
        extprocTarget: ListenAddressSchema.optional(),
        /** Envoy's client certificate for aigw's gRPC server over TCP (mTLS), and the CA that aigw's certificate chains to. */
        extprocTls: GrpcTlsSchema.optional(),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        /**
         * Where aigw serves Envoy (ext_proc, rate limits): a Unix socket by default, created
         * owner-only in an owner-only directory. A TCP address needs grpcTls (mTLS).
         */
        grpc: z.array(ListenAddressSchema).min(1).default([DEFAULT_GRPC_SOCKET]),
        /** Mode of the gRPC Unix socket (octal string); 0600: only aigw's own user (Envoy runs as it). */
        grpcSocketMode: z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode like 0600').default('0600'),
        /** mTLS for a TCP gRPC address: aigw's certificate, and the CA Envoy's client certificate must chain to. */
        grpcTls: GrpcTlsSchema.optional(),
        admin: ListenAddressSchema.default('127.0.0.1:9090'),
        /** aigw's MCP gateway (plain HTTP, reached through Envoy's /mcp route; default 127.0.0.1:9092, or unix:/path); used only with an `mcp:` section. */
        mcp: ListenAddressSchema.optional(),
        /** Seconds SIGTERM waits for in-flight streams before closing them. */
        drainSeconds: z.number().min(0).max(3600).default(30),
      })
      .strict()
      // Anyone who reaches the ext_proc port can read requests in flight: TCP only with mTLS.
      .refine((server) => server.grpcTls !== undefined || server.grpc.every((address) => address.startsWith('unix:')), {
        message: 'a TCP address needs server.grpcTls (mTLS: Envoy presents a client certificate); or use unix:/path',
        path: ['grpc'],
      })
      .prefault({}),
    limits: z
      .object({
        maxRequestBodyBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
        /** Whole-request timeout in seconds, streams included (0 = none). */
        requestTimeoutSeconds: z.number().int().min(0).max(86400).default(600),
        /** Seconds a request may go without a byte either way; models may set their own. */
        idleTimeoutSeconds: z.number().int().min(1).max(86400).default(300),
        /** Seconds a client has to send all request headers (Envoy's request_headers_timeout). */
        requestHeadersTimeoutSeconds: z.number().int().min(1).max(600).default(10),
        /** Seconds a client has to send the whole request, body included (Envoy's request_timeout; 0 = none). */
        requestReceiveTimeoutSeconds: z.number().int().min(0).max(3600).default(60),
        /** Deepest nesting of arrays and objects in a request body; deeper is a 400 (json_too_deep). At most 1000: JSON.stringify overflows the stack a few thousand levels down. */
        maxJsonDepth: z.number().int().min(16).max(1000).default(DEFAULT_MAX_JSON_DEPTH),
        /** Most bytes of one upstream stream event (an SSE event or an AWS event stream frame); more is a 502. */
        maxStreamEventBytes: z.number().int().min(64 * 1024).max(MAX_STREAM_EVENT_BYTES_CEILING).default(DEFAULT_MAX_STREAM_EVENT_BYTES),
        /** Most bytes of one response body once its content coding (gzip, deflate, br) is undone; more is a 502. */
        maxResponseBodyBytes: z.number().int().min(1024 * 1024).max(1024 * 1024 * 1024).default(DEFAULT_MAX_RESPONSE_BODY_BYTES),
      })
      .strict()
      .prefault({}),
    backends: z.array(BackendSchema).min(1),
    models: z.array(ModelSchema).min(1),
    callers: z.array(CallerSchema).default([]),
    /** USD per million tokens by model (and optionally backend): turns usage into cost. */
    prices: z.array(PriceSchema).default([]),
    /** Token quotas, request limits and dollar budgets, enforced through Envoy's ratelimit filter. */
    rateLimits: RateLimitsSchema.optional(),
    /** PII and secret detection with monitor, redact and block, on requests and responses. */
    guardrails: GuardrailsSchema.optional(),
    /** Rules that send a request to another model (by team, caller, header or prompt size), or split it by weight. */
    routing: RoutingSchema.default([]),
    /** The audit log and trace content; traces themselves are configured by OTEL_* variables. */
    telemetry: z
      .object({
        audit: z
          .object({
            /** JSON lines, hash-chained; `aigw audit verify PATH` checks them. */
            path: z.string().min(1),
            /** Put prompt and completion text in each record (off: never). */
            includeContent: z.boolean().default(false),
          })
          .strict()
          .optional(),
        traces: z
          .object({
            /** Put prompt and completion text on spans (also OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true). */
            captureContent: z.boolean().default(false),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .optional(),
    /** The admin API (keys, limits, catalog, profiles at runtime); off without it. */
    admin: AdminSchema.optional(),
    /** JWT bearer tokens as a second way to authenticate callers. */
    jwt: JwtSchema.optional(),
    /** Which models each team or caller may use (the admin API overrides a team's). */
    accessProfiles: AccessProfilesSchema.optional(),
    /** The MCP gateway: upstream MCP servers, per-caller tool profiles, sessions and tool pinning. */
    mcp: McpConfigSchema.optional(),
  })
  .strict()
  .strict();

/** The validated configuration as written (defaults filled in). */
export type AigwConfig = z.output<typeof AigwConfigSchema>;
export type BackendConfig = z.output<typeof BackendSchema>;
export type ModelConfig = z.output<typeof ModelSchema>;
export type CallerConfig = z.output<typeof CallerSchema>;

/** Duck-typed view of raw input for the cross-reference checks, which run even when the shape is wrong. */
interface Named {
  name?: unknown;
  backend?: unknown;
  keyHash?: unknown;
  backends?: unknown;
}

function list(value: unknown): Named[] {
  return Array.isArray(value) ? value.map((item) => (typeof item === 'object' && item !== null ? (item as Named) : {})) : [];
}

/**
 * Checks that span entries (unique names, references to existing backends, one key per
 * caller). They run on the raw input, so they are reported together with shape errors.
 */
export function crossReferenceProblems(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const root = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const duplicates = (section: string, field: 'name' | 'keyHash', what: (value: string) => string): Set<string> => {
    const seen = new Set<string>();
    list(root[section]).forEach((item, index) => {
      const value = item[field];
      if (typeof value !== 'string') return;
      if (seen.has(value)) problems.push({ path: [section, index, field], message: what(value) });
      seen.add(value);
    });
    return seen;
  };
  const backendNames = duplicates('backends', 'name', (name) => `duplicate backend name "${name}"`);
  duplicates('models', 'name', (name) => `duplicate model name "${name}"`);
  duplicates('callers', 'name', (name) => `duplicate caller name "${name}"`);
  duplicates('callers', 'keyHash', () => 'the same key is given to two callers');
  list(root.models).forEach((model, index) => {
    const used = new Set<string>();
    list(model.backends).forEach((entry, entryIndex) => {
      if (typeof entry.backend !== 'string') return;
      const path = ['models', index, 'backends', entryIndex, 'backend'];
      if (!backendNames.has(entry.backend)) problems.push({ path, message: `unknown backend "${entry.backend}"` });
      if (used.has(entry.backend)) problems.push({ path, message: `backend "${entry.backend}" is listed twice` });
      used.add(entry.backend);
    });
  });
  const modelBackends = new Map<string, Set<unknown>>();
  list(root.models).forEach((model) => {
    if (typeof model.name === 'string') modelBackends.set(model.name, new Set(list(model.backends).map((entry) => entry.backend)));
  });
  const priced = new Set<string>();
  list(root.prices).forEach((price, index) => {
    const { model, backend } = price as { model?: unknown; backend?: unknown };
    if (typeof model !== 'string') return;
    const backends = modelBackends.get(model);
    if (!backends) problems.push({ path: ['prices', index, 'model'], message: `unknown model "${model}"` });
    else if (typeof backend === 'string' && !backends.has(backend)) {
      problems.push({ path: ['prices', index, 'backend'], message: `backend "${backend}" does not serve model "${model}"` });
    }
    const id = `${model}\u0000${typeof backend === 'string' ? backend : ''}`;
    if (priced.has(id)) problems.push({ path: ['prices', index], message: `a second price for model "${model}"${typeof backend === 'string' ? ` on backend "${backend}"` : ''}` });
    priced.add(id);
  });
  const rateLimits = root.rateLimits as { inputMargins?: unknown } | undefined;
  const margins = typeof rateLimits?.inputMargins === 'object' && rateLimits.inputMargins !== null ? Object.keys(rateLimits.inputMargins) : [];
  for (const name of margins) {
    if (!backendNames.has(name)) problems.push({ path: ['rateLimits', 'inputMargins', name], message: `unknown backend "${name}"` });
  }
  problems.push(...guardrailProblems(root), ...routingProblems(root));
  return problems;
}

import { readFileSync } from 'node:fs';
import { compileAccessProfiles } from '../access/access-policy';
import type { RuntimeAccessProfiles } from '../access/access-policy';
import { compileAdmin } from '../admin/admin-config';
import type { RuntimeAdmin } from '../admin/admin-config';
import { compileJwt } from '../auth/jwt';
import type { JwtVerifier } from '../auth/jwt';
import { ChainAwsCredentials, staticAwsCredentials } from '../credentials/aws-credentials';
import type { AwsCredentialSource } from '../credentials/aws-credentials';
import { entraIdTokenSource } from '../credentials/entra-id-token-source';
import type { EntraIdClientProof } from '../credentials/entra-id-token-source';
import { gcpTokenSource } from '../credentials/gcp-token-source';
import type { TokenSource } from '../credentials/token-source';
import { PriceTable } from '../pricing/price-table';
import { compileGuardrails } from '../guardrails/policy';
import type { RuntimeGuardrails } from '../guardrails/policy';
import { compileMcp } from '../mcp/runtime-mcp';
import type { RuntimeMcp } from '../mcp/runtime-mcp';
import { compileRateLimits } from '../ratelimit/runtime-limits';
import { RoutingRules } from '../routing/routing-rules';
import type { RuntimeRateLimits } from '../ratelimit/runtime-limits';
import { ConfigError } from './load';
import type { ConfigProblem } from './load';
import { publicKeyProblems } from './public-keys';
import { Secret, readSecret } from './secret';
import { PRESETS } from './schema';
import type { AigwConfig, BackendConfig, CallerConfig } from './schema';

/** A backend ready for the request path: URL parts split once, credential resolved. */
export interface RuntimeBackend {
  readonly name: string;
  readonly kind: BackendConfig['kind'];
  readonly tls: boolean;
  /** Host name from the baseUrl: sent as Host and (for https) as SNI unless tls.serverName says otherwise. */
  readonly host: string;
  readonly port: number;
  /** Value for :authority (host, plus the port when it is not the scheme's default). */
  readonly authority: string;
  /** Path prefix from the baseUrl, without a trailing slash ('' or '/v1'). */
  readonly pathPrefix: string;
  /** Address Envoy connects to. */
  readonly address: string;
  /** Port Envoy connects to: the `address` port when it names one, else the baseUrl's. */
  readonly connectPort: number;
  readonly serverName: string;
  readonly caFile?: string;
  readonly credential?: RuntimeCredential;
  /** Why the credential is missing, for a clear error; the secret is never in here. */
  readonly credentialProblem?: string;
  readonly model?: string;
  readonly streamIncludeUsage: boolean;
  /** Client headers this backend may receive beyond the ones every provider gets. */
  readonly forwardHeaders: readonly string[];
  /** anthropic backends: the `anthropic-version` header value. */
  readonly anthropicVersion: string;
  /** azure-openai backends: `v1` or a dated api-version. */
  readonly apiVersion: string;
  /** bedrock backends: region and keys for SigV4. */
  readonly aws?: RuntimeAwsCredentials;
  /** bedrock backends: Converse, or InvokeModel with an Anthropic body. */
  readonly bedrockApi: 'converse' | 'invoke';
  /** vertex backends: where requests go (`/v1/projects/{project}/locations/{location}/…`). */
  readonly gcp?: { readonly project: string; readonly location: string };
  /** Backends authenticated by a short-lived bearer token (Vertex AI, Azure Entra ID): fetched and cached per backend. */
  readonly tokenSource?: TokenSource;
}

/** Where a bedrock backend signs: its region and its credentials. */
export interface RuntimeAwsCredentials {
  readonly region: string;
  readonly source: AwsCredentialSource;
}

/** A resolved credential and where it goes. */
export interface RuntimeCredential {
  readonly header: string;
  readonly prefix: string;
  readonly secret: Secret;
}

/** One backend of a model, with its failover priority (dense: 0, 1, 2 …). */
export interface RuntimeModelBackend {
  readonly backend: RuntimeBackend;
  readonly priority: number;
  /** Share of the load within its priority (Envoy's load_balancing_weight). */
  readonly weight: number;
  /** Model name to send upstream; undefined keeps the requested name. */
  readonly upstreamModel?: string;
}

/** A model clients can ask for. */
export interface RuntimeModel {
  readonly name: string;
  readonly backends: readonly RuntimeModelBackend[];
  readonly retries: number;
  /** Seconds a request may go without a byte either way. */
  readonly idleTimeoutSeconds: number;
  /**
   * Every request header any backend of the model may set (credentials, signing, API
   * versions): each attempt clears those its own backend does not set, since header changes
   * persist from one attempt to the next.
   */
  readonly upstreamHeaders: readonly string[];
  /** The configured credential values of its backends, taken out of error bodies relayed to clients. */
  readonly secrets: readonly Secret[];
}

/** Who is calling: attached to every request. */
export interface Identity {
  readonly caller: string;
  readonly team: string;
  readonly project: string;
  readonly user?: string;
}

/** The compiled, immutable configuration the request path reads. A reload swaps it whole. */
export interface RuntimeConfig {
  readonly source: AigwConfig;
  readonly backends: ReadonlyMap<string, RuntimeBackend>;
  readonly models: ReadonlyMap<string, RuntimeModel>;
  /** Callers by the SHA-256 digest of their key (hex). */
  readonly callersByKeyDigest: ReadonlyMap<string, { readonly digest: string; readonly identity: Identity }>;
  readonly limits: AigwConfig['limits'];
  /** Things that work but deserve attention (e.g. a credential's env var is unset). */
  readonly warnings: readonly string[];
  readonly prices: PriceTable;
  /** Token quotas, request limits and budgets; undefined when none are configured. */
  readonly rateLimits?: RuntimeRateLimits;
  /** Guardrail policies; undefined when none are configured. */
  readonly guardrails?: RuntimeGuardrails;
  /** Routing rules by requested model. */
  readonly routing: RoutingRules;
  /** The admin API; undefined (off) unless configured. */
  readonly admin?: RuntimeAdmin;
  /** JWT bearer-token verification; undefined when not configured. */
  readonly jwt?: JwtVerifier;
  /** Static access profiles (the admin API's team profiles override them). */
  readonly accessProfiles: RuntimeAccessProfiles;
  /** The MCP gateway; undefined when the config has no `mcp:` section. */
  readonly mcp?: RuntimeMcp;
}

/** Where each provider API expects its key. */
const CREDENTIAL_DEFAULTS: Record<BackendConfig['kind'], { header: string; prefix: string }> = {
  openai: { header: 'authorization', prefix: 'Bearer ' },
  'azure-openai': { header: 'api-key', prefix: '' },
  anthropic: { header: 'x-api-key', prefix: '' },
  gemini: { header: 'x-goog-api-key', prefix: '' },
  // Bedrock signs with SigV4 instead (see aws); a credential here would be a bearer API key.
  bedrock: { header: 'authorization', prefix: 'Bearer ' },
  // Vertex uses OAuth tokens from gcp; a credential here would be a fixed bearer token.
  vertex: { header: 'authorization', prefix: 'Bearer ' },
};

/** Request headers a provider kind's translations set, besides the configured credential. */
const PROVIDER_HEADERS: Record<BackendConfig['kind'], readonly string[]> = {
  openai: ['authorization'],
  'azure-openai': ['api-key', 'authorization'],
  anthropic: ['x-api-key', 'authorization', 'anthropic-version', 'anthropic-beta'],
  gemini: ['x-goog-api-key', 'authorization'],
  bedrock: ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'x-amzn-bedrock-accept', 'x-amzn-bedrock-content-type'],
  vertex: ['authorization'],
};

/** Every header an attempt on this backend may set: its credential's and its provider's. */
function headersSetFor(backend: RuntimeBackend): string[] {
  return [...PROVIDER_HEADERS[backend.kind], ...(backend.credential ? [backend.credential.header] : [])];
}

/** Reads where a credential comes from; the error names the source, never a value. */
function resolveCredential(
  backend: BackendConfig,
  env: NodeJS.ProcessEnv,
): { credential?: RuntimeCredential; problem?: string } {
  const spec = backend.credential;
  if (!spec) return {};
  let value: string | undefined;
  let problem: string | undefined;
  if (spec.env !== undefined) {
    value = env[spec.env];
    if (!value) problem = `environment variable ${spec.env} is not set`;
  } else if (spec.file !== undefined) {
    try {
      value = readFileSync(spec.file, 'utf8').trim();
      if (!value) problem = `credential file ${spec.file} is empty`;
    } catch {
      problem = `credential file ${spec.file} cannot be read`;
    }
  }
  if (problem || !value) return { problem };
  const defaults = CREDENTIAL_DEFAULTS[backend.kind];
  return {
    credential: { header: spec.header ?? defaults.header, prefix: spec.prefix ?? defaults.prefix, secret: new Secret(value) },
  };
}

/** Bedrock's region comes from config, else from a bedrock-runtime.<region>.amazonaws.com host. */
function compileAws(backend: BackendConfig, host: string, env: NodeJS.ProcessEnv): { aws?: RuntimeAwsCredentials; problem?: string } {
  if (!backend.aws) return {};
  const region = backend.aws.region ?? /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1];
  if (!region) return { problem: 'aws.region is not set and the baseUrl host names none' };
  const spec = backend.aws;
  // Named keys, else the standard environment variables (read from the config's environment),
  // else the SDK's chain, resolved lazily on the first request.
  const keys =
    spec.accessKeyId && spec.secretAccessKey
      ? { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey, sessionToken: spec.sessionToken, description: 'the configured keys' }
      : !spec.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: { env: 'AWS_ACCESS_KEY_ID' }, secretAccessKey: { env: 'AWS_SECRET_ACCESS_KEY' }, sessionToken: env.AWS_SESSION_TOKEN ? { env: 'AWS_SESSION_TOKEN' } : undefined, description: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' }
        : undefined;
  if (!keys) return { aws: { region, source: new ChainAwsCredentials(spec.profile) } };
  const accessKeyId = readSecret(keys.accessKeyId, env);
  const secretAccessKey = readSecret(keys.secretAccessKey, env);
  const sessionToken = keys.sessionToken ? readSecret(keys.sessionToken, env) : undefined;
  const problem = accessKeyId.problem ?? secretAccessKey.problem ?? sessionToken?.problem;
  if (problem || !accessKeyId.secret || !secretAccessKey.secret) return { problem };
  const identity = { accessKeyId: accessKeyId.secret, secretAccessKey: secretAccessKey.secret, ...(sessionToken?.secret ? { sessionToken: sessionToken.secret } : {}) };
  return { aws: { region, source: staticAwsCredentials(identity, keys.description) } };
}

/** azure-openai with entraId: the token source, or why it cannot be built (naming the source, never a value). */
function compileEntraId(backend: BackendConfig, env: NodeJS.ProcessEnv): { tokenSource?: TokenSource; problem?: string } {
  const entra = backend.entraId;
  if (!entra) return {};
  let proof: EntraIdClientProof;
  if (entra.clientSecret) {
    const { secret, problem } = readSecret(entra.clientSecret, env);
    if (!secret) return { problem: `entraId.clientSecret: ${problem ?? 'missing'}` };
    proof = { clientSecret: secret };
  } else {
    proof = { federatedTokenFile: entra.federatedTokenFile ?? '' };
  }
  return { tokenSource: entraIdTokenSource({ tenantId: entra.tenantId, clientId: entra.clientId, proof, authorityHost: entra.authorityHost, scope: entra.scope }) };
}

/** Splits `address` into host and optional port: `10.0.0.7`, `10.0.0.7:8443`, `[::1]:8443`, `::1`. */
export function splitAddress(address: string): { host: string; port?: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!match) return { host: address.replace(/^\[|\]$/g, '') };
  return { host: match[1] ?? match[2], port: Number(match[3]) };
}

/** Vertex AI's endpoint for a location: regional hosts, or the global one. */
export function vertexBaseUrl(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

function compileBackend(backend: BackendConfig, env: NodeJS.ProcessEnv): RuntimeBackend {
  // The schema guarantees one of the two.
  const url = new URL(backend.baseUrl ?? (backend.gcp ? vertexBaseUrl(backend.gcp.location) : PRESETS[backend.preset ?? 'openai']));
  const tls = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const resolved = resolveCredential(backend, env);
  const { aws, problem: awsProblem } = compileAws(backend, host, env);
  const { tokenSource, problem: entraProblem } = compileEntraId(backend, env);
  const credential = resolved.credential;
  const problem = resolved.problem ?? awsProblem ?? entraProblem;
  const connect = backend.address === undefined ? { host } : splitAddress(backend.address);
  return {
    name: backend.name,
    kind: backend.kind,
    tls,
    host,
    port,
    authority: url.host,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
    address: connect.host,
    connectPort: connect.port ?? port,
    serverName: backend.tls?.serverName ?? host,
    caFile: backend.tls?.caFile,
    credential,
    credentialProblem: problem,
    model: backend.model,
    streamIncludeUsage: backend.streamIncludeUsage,
    forwardHeaders: backend.forwardHeaders,
    anthropicVersion: backend.anthropicVersion ?? '2023-06-01',
    apiVersion: backend.apiVersion ?? '2024-10-21',
    aws,
    // Vertex: a named credential is a fixed bearer token; without one, OAuth tokens from gcp.
    tokenSource: tokenSource ?? (backend.gcp && !backend.credential ? gcpTokenSource(backend.name, backend.gcp) : undefined),
    bedrockApi: backend.api ?? 'converse',
    gcp: backend.gcp && { project: backend.gcp.project, location: backend.gcp.location },
  };
}

function identityOf(caller: CallerConfig): Identity {
  return { caller: caller.name, team: caller.team, project: caller.project, user: caller.user };
}

/** Turns a validated config into the runtime object. Reads credential files and env vars once. */
/** A Redis password (rateLimits.store, admin.store) that cannot be read, named by its path; read again at connect time, where it is an error. */
function redisPasswordProblems(config: AigwConfig, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const stores: Array<[string, unknown]> = [
    ['rateLimits.store.redis.password', config.rateLimits?.store],
    ['admin.store.redis.password', config.admin?.store],
  ];
  return stores.flatMap(([path, store]) => {
    const source = typeof store === 'object' && store !== null ? (store as { redis?: { password?: { env?: string; file?: string } } }).redis?.password : undefined;
    const problem = source ? readSecret(source, env).problem : undefined;
    return problem ? [{ path, message: problem }] : [];
  });
}

export function compileConfig(config: AigwConfig, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const warnings: string[] = [];
  const backends = new Map<string, RuntimeBackend>();
  config.backends.forEach((spec, index) => {
    const backend = compileBackend(spec, env);
    if (backend.credentialProblem) {
      warnings.push(`backends[${index}].credential: ${backend.credentialProblem}; requests to backend "${backend.name}" will fail`);
    }
    if (spec.tls && !backend.tls) warnings.push(`backends[${index}].tls: ignored for an http:// baseUrl`);
    backends.set(backend.name, backend);
  });

  // Refused, not warned about: a published caller key in front of a real provider key.
  const hasProviderCredential = [...backends.values()].some((backend) => backend.credential !== undefined || backend.tokenSource !== undefined || backend.aws !== undefined);
  const exposed = publicKeyProblems(config, hasProviderCredential);
  if (exposed.length > 0) throw new ConfigError('config', exposed);

  const models = new Map<string, RuntimeModel>();
  for (const spec of config.models) {
    // Priorities as written may have gaps (0, 5, 10); Envoy wants dense levels 0, 1, 2.
    const written = spec.backends.map((entry, index) => entry.priority ?? index);
    const levels = [...new Set(written)].sort((a, b) => a - b);
    const entries: RuntimeModelBackend[] = spec.backends.map((entry, index) => {
      const backend = backends.get(entry.backend);
      if (!backend) throw new Error(`unknown backend ${entry.backend}`); // schema already checked
      return { backend, priority: levels.indexOf(written[index]), weight: entry.weight ?? 1, upstreamModel: entry.model ?? backend.model };
    });
    entries.sort((a, b) => a.priority - b.priority);
    models.set(spec.name, {
      name: spec.name,
      backends: entries,
      retries: spec.retries ?? Math.max(0, entries.length - 1),
      idleTimeoutSeconds: spec.idleTimeoutSeconds ?? config.limits.idleTimeoutSeconds,
      upstreamHeaders: [...new Set(entries.flatMap((entry) => headersSetFor(entry.backend)))],
      secrets: entries.flatMap((entry) => (entry.backend.credential ? [entry.backend.credential.secret] : [])),
    });
  }

  const callersByKeyDigest = new Map<string, { digest: string; identity: Identity }>();
  for (const caller of config.callers) {
    const digest = caller.keyHash.slice('sha256:'.length);
    callersByKeyDigest.set(digest, { digest, identity: identityOf(caller) });
  }
  if (config.callers.length === 0 && !config.admin && !config.jwt) warnings.push('callers: none configured; every request will get 401');

  // Like a provider key, an unreadable Redis password is reported here; connecting then fails with it named.
  for (const problem of redisPasswordProblems(config, env)) warnings.push(`${problem.path}: ${problem.message}; aigw will not start its Redis store without it`);

  const prices = new PriceTable(config.prices);
  const rateLimits = compileRateLimits(config);
  if (rateLimits?.metrics.has('usd')) {
    const unpriced = [...models.keys()].filter((name) => !models.get(name)?.backends.some((entry) => prices.priceOf(name, entry.backend.name)));
    if (unpriced.length > 0) warnings.push(`prices: none for ${unpriced.join(', ')}; their requests count $0 against budgets`);
  }
  const guardrails = config.guardrails ? compileGuardrails(config.guardrails, env, warnings) : undefined;
  const routing = new RoutingRules(config.routing);
  const admin = compileAdmin(config, env, warnings);
  const jwt = config.jwt ? compileJwt(config.jwt, env, warnings) : undefined;
  const accessProfiles = compileAccessProfiles(config.accessProfiles, new Set(models.keys()), warnings);
  const mcp = config.mcp ? compileMcp(config.mcp, config.server.mcp, new Set(config.callers.map((caller) => caller.name)), env, warnings) : undefined;
  return Object.freeze({ source: config, backends, models, callersByKeyDigest, limits: config.limits, warnings, prices, rateLimits, guardrails, routing, admin, jwt, accessProfiles, mcp });
}

import { policyAuth } from './credentials';
import type { BackendAuth, BackendKind, SecretContext } from './credentials';
import { asList } from './resource';
import type { ResourceReader } from './resource';
import { secretFilePath } from './secrets';

/** An aigw backend as the importer writes it (validated against the schema afterwards). */
export interface ImportedBackend extends BackendAuth {
  name: string;
  kind: BackendKind;
  baseUrl?: string;
  api?: 'converse' | 'invoke';
  apiVersion?: string;
  tls?: { caFile?: string; serverName?: string };
}

/** The resources an AIServiceBackend may point at, by `namespace/name`. */
export interface BackendLookups {
  readonly backends: ReadonlyMap<string, ResourceReader>;
  readonly tlsPolicies: readonly ResourceReader[];
  /** BackendSecurityPolicies by the `namespace/name` of the AIServiceBackend they target. */
  readonly securityPolicies: ReadonlyMap<string, ResourceReader>;
  /** Every Backend and BackendTLSPolicy that was used, by label. */
  readonly referenced: Set<string>;
}

/** Envoy AI Gateway API schema → aigw kind (and Bedrock API). */
const KINDS: Readonly<Record<string, { kind: BackendKind; api?: 'converse' | 'invoke' }>> = {
  OpenAI: { kind: 'openai' },
  AzureOpenAI: { kind: 'azure-openai' },
  Anthropic: { kind: 'anthropic' },
  AWSBedrock: { kind: 'bedrock', api: 'converse' },
  AWSAnthropic: { kind: 'bedrock', api: 'invoke' },
  GCPVertexAI: { kind: 'vertex' },
  GCPAnthropic: { kind: 'vertex' },
};

/** Where a Backend's first endpoint is, and its TLS settings. */
interface Origin {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  tls: { caFile?: string; serverName?: string };
}

/** `[::1]` for IPv6 literals, as in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function originUrl(origin: Origin): string {
  const defaultPort = origin.scheme === 'https' ? 443 : 80;
  return `${origin.scheme}://${urlHost(origin.host)}${origin.port === defaultPort ? '' : `:${origin.port}`}`;
}

/** The path aigw's baseUrl carries for this schema and prefix, or undefined when aigw cannot express it. */
function basePath(schema: string, prefix: string | undefined): string | undefined {
  const trimmed = (prefix ?? 'v1').replace(/^\/+|\/+$/g, '');
  if (schema === 'OpenAI') return trimmed === '' ? '' : `/${trimmed}`;
  // aigw appends /v1/messages to an anthropic baseUrl; Envoy AI Gateway appends /messages to the prefix.
  if (trimmed === 'v1') return '';
  return trimmed.endsWith('/v1') ? `/${trimmed.slice(0, -3)}` : undefined;
}

/**
 * One AIServiceBackend (with its Backend, BackendTLSPolicy and BackendSecurityPolicy) as an
 * aigw backend, or undefined (with a note) when it cannot be carried over.
 */
export function importBackend(service: ResourceReader, name: string, lookups: BackendLookups, secrets: SecretContext): ImportedBackend | undefined {
  const schema = service.string('spec.schema.name') ?? '';
  const version = service.string('spec.schema.version');
  const prefix = service.string('spec.schema.prefix');
  service.skip('spec.headerMutation', 'not carried over: aigw sets only the headers each provider needs; fixed extra headers per backend have no equivalent');
  service.skip('spec.bodyMutation', 'not carried over: aigw does not rewrite request body fields per backend');
  const mapped = KINDS[schema];
  if (!mapped) {
    service.note('spec.schema.name', `not carried over: schema "${schema}" has no aigw backend kind${schema === 'Cohere' ? " (aigw speaks Cohere's OpenAI-compatible API: kind openai, preset cohere)" : ''}; the backend is left out`);
    service.take('spec');
    return undefined;
  }
  const backend: ImportedBackend = { name, kind: mapped.kind };
  if (mapped.api) backend.api = mapped.api;
  if (schema === 'GCPAnthropic') service.note('spec.schema.name', 'GCPAnthropic is an aigw vertex backend: models named claude-* go to Anthropic\'s publisher (rawPredict), other names to Google\'s');
  if (version !== undefined) {
    if (mapped.kind === 'azure-openai' && /^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/.test(version)) backend.apiVersion = version;
    else service.note('spec.schema.version', mapped.kind === 'azure-openai' ? `not carried over: aigw takes v1 or a dated api-version (2024-10-21), not "${version}"` : `ignored: ${schema} has no version (Envoy AI Gateway ignores it too)`);
  }
  const origin = backendOrigin(service, lookups, secrets);
  if (origin) {
    const path = mapped.kind === 'openai' || mapped.kind === 'anthropic' ? basePath(schema, prefix) : '';
    if (path === undefined) {
      service.note('spec.schema.prefix', `not carried over: aigw sends Anthropic requests to <baseUrl>/v1/messages, so a prefix must end in v1 ("${prefix ?? ''}" does not); baseUrl is the bare host`);
    }
    backend.baseUrl = `${originUrl(origin)}${path ?? ''}`;
    if (origin.tls.caFile !== undefined || origin.tls.serverName !== undefined) backend.tls = origin.tls;
  } else if (prefix !== undefined && mapped.kind !== 'openai' && mapped.kind !== 'anthropic') {
    service.note('spec.schema.prefix', `ignored: ${schema} has no prefix`);
  }
  const policy = lookups.securityPolicies.get(`${service.namespace}/${service.name}`);
  if (policy) {
    lookups.referenced.add(policy.label);
    Object.assign(backend, policyAuth(policy, mapped.kind, secrets));
  }
  if (mapped.kind === 'bedrock') {
    backend.aws ??= {};
    if (!backend.baseUrl && backend.aws.region) backend.baseUrl = `https://bedrock-runtime.${backend.aws.region}.amazonaws.com`;
  }
  if (mapped.kind === 'vertex' && !backend.gcp) {
    service.note('', 'not carried over: a vertex backend needs a BackendSecurityPolicy of type GCPCredentials (project and region); the backend is left out');
    return undefined;
  }
  if (!backend.baseUrl && mapped.kind !== 'vertex') {
    service.note('spec.backendRef', 'not carried over: no usable Backend, so no base URL; the backend is left out');
    return undefined;
  }
  return backend;
}

/** The first endpoint of the Backend an AIServiceBackend names, with TLS from the Backend and any BackendTLSPolicy. */
function backendOrigin(service: ResourceReader, lookups: BackendLookups, secrets: SecretContext): Origin | undefined {
  const refName = service.string('spec.backendRef.name');
  const refNamespace = service.string('spec.backendRef.namespace') ?? service.namespace;
  const refKind = service.string('spec.backendRef.kind') ?? 'Backend';
  service.take('spec.backendRef.group');
  service.take('spec.backendRef.port');
  if (refKind !== 'Backend') {
    service.note('spec.backendRef.kind', `not carried over: only Envoy Gateway Backends are read (Envoy AI Gateway requires them too), not ${refKind}`);
    return undefined;
  }
  const target = lookups.backends.get(`${refNamespace}/${refName ?? ''}`);
  if (!target) {
    service.note('spec.backendRef', `Backend ${refNamespace}/${refName ?? ''} is not in the input files`);
    return undefined;
  }
  lookups.referenced.add(target.label);
  const type = target.string('spec.type') ?? 'Endpoints';
  if (type !== 'Endpoints') {
    target.note('spec.type', `not carried over: a ${type} Backend has no fixed address; aigw needs one base URL per backend`);
    return undefined;
  }
  const endpoints = asList(target.peek('spec.endpoints'));
  endpoints.slice(1).forEach((_, index) => target.skip(`spec.endpoints[${index + 1}]`, 'not carried over: an aigw backend has one address (the first endpoint is used); list more backends for more hosts'));
  target.skip('spec.endpoints[0].hostname', 'not carried over: Host and SNI are the endpoint host (or the TLS hostname)');
  target.skip('spec.endpoints[0].zone', 'not carried over: aigw has no zone-aware routing');
  target.skip('spec.appProtocols', 'not carried over: aigw talks HTTP/1.1 to model backends');
  target.skip('spec.fallback', 'superseded: backendRef priority orders the backends (as in Envoy AI Gateway, where priority overrides fallback)');
  const fqdn = target.string('spec.endpoints[0].fqdn.hostname');
  const ip = target.string('spec.endpoints[0].ip.address');
  const port = target.number(fqdn ? 'spec.endpoints[0].fqdn.port' : 'spec.endpoints[0].ip.port');
  target.skip('spec.endpoints[0].unix', 'not carried over: aigw backends are reached over TCP (a base URL), not a Unix socket');
  const host = fqdn ?? ip;
  if (!host || port === undefined) {
    target.note('spec.endpoints', 'not carried over: no fqdn or ip endpoint with a port');
    return undefined;
  }
  const tls = tlsSettings(target, lookups, secrets);
  if (tls.serverName === host) delete tls.serverName;
  return { scheme: tls.enabled ? 'https' : 'http', host, port, tls: { ...(tls.caFile ? { caFile: tls.caFile } : {}), ...(tls.serverName ? { serverName: tls.serverName } : {}) } };
}

/** TLS for a Backend: its own spec.tls merged with BackendTLSPolicies that target it (the policy wins, as in Envoy Gateway). */
function tlsSettings(target: ResourceReader, lookups: BackendLookups, secrets: SecretContext): { enabled: boolean; caFile?: string; serverName?: string } {
  const result: { enabled: boolean; caFile?: string; serverName?: string } = { enabled: target.peek('spec.tls') !== undefined };
  const caFile = (reader: ResourceReader, path: string): string | undefined => {
    const refs = asList(reader.peek(path));
    refs.slice(1).forEach((_, index) => reader.skip(`${path}[${index + 1}]`, 'not carried over: aigw takes one CA bundle per backend (the first reference is used)'));
    const name = reader.string(`${path}[0].name`);
    const kind = reader.string(`${path}[0].kind`) ?? 'ConfigMap';
    reader.take(`${path}[0].group`);
    if (!name) return undefined;
    const file = secretFilePath(secrets.secretDir, name, 'ca.crt');
    if (!secrets.uses.some((use) => use.file === file)) secrets.uses.push({ object: `${reader.namespace}/${name}`, key: 'ca.crt', kind: kind === 'Secret' ? 'Secret' : 'ConfigMap', file });
    return file;
  };
  if (result.enabled) {
    result.caFile = caFile(target, 'spec.tls.caCertificateRefs');
    target.take('spec.tls.wellKnownCACertificates');
    target.take('spec.tls.autoSNIFromEndpointHostname');
    result.serverName = target.string('spec.tls.sni');
    target.skip('spec.tls.insecureSkipVerify', 'not carried over: aigw always verifies backend certificates (name a CA with tls.caFile instead)');
    target.skip('spec.tls.clientCertificateRef', 'not carried over: aigw presents no client certificate to model backends');
    for (const field of ['minVersion', 'maxVersion', 'ciphers', 'ecdhCurves', 'signatureAlgorithms', 'alpnProtocols']) {
      target.skip(`spec.tls.${field}`, "not carried over: aigw uses Envoy's default TLS parameters");
    }
  }
  for (const policy of lookups.tlsPolicies) {
    const refs = asList(policy.peek('spec.targetRefs'));
    const index = refs.findIndex((_, at) => policy.peek(`spec.targetRefs[${at}].kind`) === 'Backend' && policy.peek(`spec.targetRefs[${at}].name`) === target.name && policy.namespace === target.namespace);
    if (index < 0) continue;
    lookups.referenced.add(policy.label);
    policy.take(`spec.targetRefs[${index}]`);
    policy.skip(`spec.targetRefs[${index}].sectionName`, 'ignored: an aigw backend has one port');
    result.enabled = true;
    result.caFile = caFile(policy, 'spec.validation.caCertificateRefs') ?? result.caFile;
    policy.take('spec.validation.wellKnownCACertificates');
    result.serverName = policy.string('spec.validation.hostname') ?? result.serverName;
    policy.skip('spec.validation.subjectAltNames', 'not carried over: aigw checks the certificate against the hostname (tls.serverName) only');
    policy.skip('spec.options', "not carried over: aigw uses Envoy's default TLS parameters");
  }
  return result;
}

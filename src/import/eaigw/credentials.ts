import type { ResourceReader } from './resource';
import { secretEnvName, secretFilePath } from './secrets';
import type { SecretUse } from './secrets';

/** The aigw backend kinds the importer writes. */
export type BackendKind = 'openai' | 'azure-openai' | 'anthropic' | 'bedrock' | 'vertex';

type SecretSource = { env: string } | { file: string };

/** What a BackendSecurityPolicy adds to one aigw backend. */
export interface BackendAuth {
  credential?: { env: string; header?: string; prefix?: string };
  aws?: { region?: string; profile?: string };
  gcp?: { project: string; location: string; credentialsFile?: string };
  entraId?: { tenantId: string; clientId: string; clientSecret: SecretSource };
}

/** Where secrets go, and the list of every Secret key the config reads. */
export interface SecretContext {
  readonly secretDir: string;
  readonly uses: SecretUse[];
}

/** The spec field that holds each policy type's settings. */
const FIELD_BY_TYPE: Readonly<Record<string, string>> = {
  APIKey: 'apiKey',
  AnthropicAPIKey: 'anthropicAPIKey',
  AzureAPIKey: 'azureAPIKey',
  AzureCredentials: 'azureCredentials',
  AWSCredentials: 'awsCredentials',
  GCPCredentials: 'gcpCredentials',
};

/** The header each API-key type puts the key in (Envoy AI Gateway's choice), and aigw's default for the kind. */
const KEY_HEADERS: Readonly<Record<string, { header: string; prefix: string; kinds: readonly BackendKind[] }>> = {
  APIKey: { header: 'authorization', prefix: 'Bearer ', kinds: ['openai'] },
  AnthropicAPIKey: { header: 'x-api-key', prefix: '', kinds: ['anthropic'] },
  AzureAPIKey: { header: 'api-key', prefix: '', kinds: ['azure-openai'] },
};

/** A secretRef's Secret, named by namespace (the policy's when unset) and name. */
function secretRef(policy: ResourceReader, path: string): { namespace: string; name: string } | undefined {
  const name = policy.string(`${path}.name`);
  const namespace = policy.string(`${path}.namespace`) ?? policy.namespace;
  policy.take(`${path}.kind`);
  policy.take(`${path}.group`);
  return name ? { namespace, name } : undefined;
}

function envSource(ref: { namespace: string; name: string }, key: string, context: SecretContext): { env: string } {
  const env = secretEnvName(ref.name, key);
  if (!context.uses.some((use) => use.env === env)) context.uses.push({ object: `${ref.namespace}/${ref.name}`, key, kind: 'Secret', env });
  return { env };
}

function fileSource(ref: { namespace: string; name: string }, key: string, context: SecretContext): string {
  const file = secretFilePath(context.secretDir, ref.name, key);
  if (!context.uses.some((use) => use.file === file)) context.uses.push({ object: `${ref.namespace}/${ref.name}`, key, kind: 'Secret', file });
  return file;
}

/**
 * The credential settings of a BackendSecurityPolicy for a backend of `kind`. Everything the
 * policy sets that aigw cannot express is noted on the policy.
 */
export function policyAuth(policy: ResourceReader, kind: BackendKind, context: SecretContext): BackendAuth {
  const type = policy.string('spec.type') ?? '';
  const field = FIELD_BY_TYPE[type];
  for (const [otherType, other] of Object.entries(FIELD_BY_TYPE)) {
    if (other !== field) policy.skip(`spec.${other}`, `ignored: spec.type is ${type || 'unset'}, not ${otherType}`);
  }
  policy.skip(
    'spec.credentialOverride',
    'not carried over: aigw sends each backend the credential its config names; a per-request credential from a header or from dynamic metadata has no equivalent',
  );
  if (!field) {
    policy.note('spec.type', `not carried over: unknown type "${type}" (expected ${Object.keys(FIELD_BY_TYPE).join(', ')})`);
    return {};
  }
  const keyHeader = KEY_HEADERS[type];
  if (keyHeader) {
    const ref = secretRef(policy, `spec.${field}.secretRef`);
    if (!ref) {
      policy.note(`spec.${field}.secretRef`, 'not carried over: no secretRef name');
      return {};
    }
    if (kind === 'bedrock' || kind === 'vertex') {
      policy.note(`spec.${field}`, `not carried over: a ${kind} backend authenticates with ${kind === 'bedrock' ? 'SigV4 (AWSCredentials)' : 'Google OAuth (GCPCredentials)'}, not an API key`);
      return {};
    }
    const source = envSource(ref, 'apiKey', context);
    const sameAsDefault = keyHeader.kinds.includes(kind);
    return { credential: sameAsDefault ? source : { ...source, header: keyHeader.header, prefix: keyHeader.prefix } };
  }
  if (type === 'AzureCredentials') return azureAuth(policy, kind, context);
  if (type === 'AWSCredentials') return awsAuth(policy, kind, context);
  return gcpAuth(policy, kind, context);
}

function azureAuth(policy: ResourceReader, kind: BackendKind, context: SecretContext): BackendAuth {
  const tenantId = policy.string('spec.azureCredentials.tenantID');
  const clientId = policy.string('spec.azureCredentials.clientID');
  policy.skip(
    'spec.azureCredentials.oidcExchangeToken',
    'not carried over: aigw gets Entra ID tokens with a client secret or a federated token file (entraId.federatedTokenFile, e.g. AKS workload identity), not through an OIDC provider exchange',
  );
  const ref = secretRef(policy, 'spec.azureCredentials.clientSecretRef');
  if (kind !== 'azure-openai') {
    policy.note('spec.azureCredentials', `not carried over: Entra ID tokens are for azure-openai backends, this one is ${kind}`);
    return {};
  }
  if (!tenantId || !clientId || !ref) {
    policy.note('spec.azureCredentials', 'not carried over: aigw needs tenantID, clientID and clientSecretRef (or set entraId.federatedTokenFile by hand)');
    return {};
  }
  return { entraId: { tenantId, clientId, clientSecret: envSource(ref, 'client-secret', context) } };
}

function awsAuth(policy: ResourceReader, kind: BackendKind, context: SecretContext): BackendAuth {
  const region = policy.string('spec.awsCredentials.region');
  policy.skip(
    'spec.awsCredentials.oidcExchangeToken',
    "not carried over: aigw uses the AWS SDK's default chain, where web identity needs AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in aigw's environment (IRSA sets both)",
  );
  if (kind !== 'bedrock') {
    policy.note('spec.awsCredentials', `not carried over: AWS credentials are for bedrock backends, this one is ${kind}`);
    return {};
  }
  const aws: NonNullable<BackendAuth['aws']> = {};
  if (region) aws.region = region;
  const ref = secretRef(policy, 'spec.awsCredentials.credentialsFile.secretRef');
  const profile = policy.string('spec.awsCredentials.credentialsFile.profile');
  if (ref) {
    const file = fileSource(ref, 'credentials', context);
    policy.note('spec.awsCredentials.credentialsFile', `carried over as the AWS default chain: mount the Secret's "credentials" key at ${file} and set AWS_SHARED_CREDENTIALS_FILE=${file} for aigw${profile ? ` (profile ${profile})` : ''}`);
    if (profile && profile !== 'default') aws.profile = profile;
  }
  return { aws };
}

function gcpAuth(policy: ResourceReader, kind: BackendKind, context: SecretContext): BackendAuth {
  const project = policy.string('spec.gcpCredentials.projectName');
  const location = policy.string('spec.gcpCredentials.region');
  policy.skip(
    'spec.gcpCredentials.workloadIdentityFederationConfig',
    'not carried over: aigw reads a service-account key file or Application Default Credentials (GKE workload identity, the metadata server), not a workload identity federation exchange it runs itself',
  );
  const ref = secretRef(policy, 'spec.gcpCredentials.credentialsFile.secretRef');
  if (kind !== 'vertex') {
    policy.note('spec.gcpCredentials', `not carried over: GCP credentials are for vertex backends, this one is ${kind}`);
    return {};
  }
  if (!project || !location) {
    policy.note('spec.gcpCredentials', 'not carried over: aigw needs projectName and region');
    return {};
  }
  return { gcp: { project, location, ...(ref ? { credentialsFile: fileSource(ref, 'service_account.json', context) } : {}) } };
}

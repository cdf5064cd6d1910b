import { validateConfig } from '../../config/load';
import { importBackend } from './backends';
import type { BackendLookups, ImportedBackend } from './backends';
import { importCosts } from './costs';
import { readManifests } from './manifests';
import type { ManifestFile } from './manifests';
import type { ImportNote, ResourceReader } from './resource';
import { asList } from './resource';
import { importRoutes } from './routes';
import { importTrafficLimits } from './traffic-limits';
import type { ImportedDescriptor } from './traffic-limits';
import type { ImportedModel, ImportedRoutingRule } from './routes';
import type { SecretUse } from './secrets';

/** Where file-backed secrets (credential files, CA bundles) are mounted unless --secret-dir says otherwise. */
export const DEFAULT_SECRET_DIR = '/etc/aigw/secrets';

/** The imported aigw config, as written (no defaults filled in). */
export interface ImportedConfig {
  limits?: { requestTimeoutSeconds: number };
  backends: ImportedBackend[];
  models: ImportedModel[];
  routing?: ImportedRoutingRule[];
  rateLimits?: { costs: Record<string, string>; descriptors?: ImportedDescriptor[] };
}

/** The import's result: the config, every field not carried over, and every secret it reads. */
export interface EaigwImport {
  readonly config: ImportedConfig;
  readonly notes: readonly ImportNote[];
  readonly secrets: readonly SecretUse[];
}

/** The import produced no usable config (every model was left out); the notes say why. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly notes: readonly ImportNote[],
  ) {
    super(message);
  }
}

/** BackendSecurityPolicies by the `namespace/name` of each AIServiceBackend they target. */
function policiesByTarget(policies: readonly ResourceReader[]): Map<string, ResourceReader> {
  const result = new Map<string, ResourceReader>();
  for (const policy of policies) {
    const refs = asList(policy.peek('spec.targetRefs'));
    if (refs.length === 0) policy.note('spec.targetRefs', 'not carried over: the policy targets nothing');
    refs.forEach((_, index) => {
      const at = `spec.targetRefs[${index}]`;
      const kind = policy.string(`${at}.kind`) ?? '';
      const name = policy.string(`${at}.name`) ?? '';
      policy.take(`${at}.group`);
      if (kind !== 'AIServiceBackend') {
        policy.note(at, `not carried over: aigw has no ${kind || 'such target'}; only AIServiceBackend targets are read`);
        return;
      }
      const key = `${policy.namespace}/${name}`;
      if (result.has(key)) policy.note(at, `not carried over: AIServiceBackend ${key} already has a BackendSecurityPolicy (two are invalid in Envoy AI Gateway too)`);
      else result.set(key, policy);
    });
  }
  return result;
}

/**
 * Envoy AI Gateway v1beta1 resources (AIGatewayRoute, AIServiceBackend, BackendSecurityPolicy,
 * GatewayConfig, and the Envoy Gateway Backends, BackendTrafficPolicies and Gateway API
 * BackendTLSPolicies they use) as an aigw config that validates against aigw's schema.
 */
export function importEaigw(files: readonly ManifestFile[], options: { secretDir?: string } = {}): EaigwImport {
  const notes: ImportNote[] = [];
  const manifests = readManifests(files, notes);
  const of = (kind: string): readonly ResourceReader[] => manifests[kind] ?? [];
  const secrets = { secretDir: options.secretDir ?? DEFAULT_SECRET_DIR, uses: [] as SecretUse[] };
  const lookups: BackendLookups = {
    backends: new Map(of('Backend').map((reader) => [`${reader.namespace}/${reader.name}`, reader])),
    tlsPolicies: of('BackendTLSPolicy'),
    securityPolicies: policiesByTarget(of('BackendSecurityPolicy')),
    referenced: new Set(),
  };
  const services = of('AIServiceBackend');
  const clash = (name: string): boolean => services.filter((service) => service.name === name).length > 1;
  const imported = new Map<string, ImportedBackend>();
  for (const service of services) {
    const name = clash(service.name) ? `${service.namespace}.${service.name}` : service.name;
    const backend = importBackend(service, name, lookups, secrets);
    if (backend) imported.set(`${service.namespace}/${service.name}`, backend);
  }
  const routes = importRoutes(of('AIGatewayRoute'), (key) => imported.get(key)?.name);
  const costs = importCosts(of('AIGatewayRoute'), of('GatewayConfig'));
  const descriptors = importTrafficLimits(of('BackendTrafficPolicy'), costs.byMetadataKey);

  const used = new Set(routes.models.flatMap((model) => model.backends.map((entry) => entry.backend)));
  for (const service of services) {
    const backend = imported.get(`${service.namespace}/${service.name}`);
    if (backend && !used.has(backend.name)) service.note('', 'not carried over: no imported AIGatewayRoute rule uses this backend');
  }
  for (const reader of [...of('Backend'), ...of('BackendTLSPolicy'), ...of('BackendSecurityPolicy')]) {
    if (lookups.referenced.has(reader.label)) continue;
    reader.take('spec');
    notes.push({ resource: reader.label, field: '', reason: 'not carried over: no imported AIServiceBackend uses it' });
  }
  for (const reader of Object.values(manifests).flat()) reader.reportUnread();

  const config: ImportedConfig = {
    ...(routes.requestTimeoutSeconds !== undefined ? { limits: { requestTimeoutSeconds: routes.requestTimeoutSeconds } } : {}),
    backends: [...imported.values()].filter((backend) => used.has(backend.name)),
    models: routes.models,
    ...(routes.routing.length > 0 ? { routing: routes.routing } : {}),
    ...(Object.keys(costs.costs).length > 0 || descriptors.length > 0 ? { rateLimits: { costs: costs.costs, ...(descriptors.length > 0 ? { descriptors } : {}) } } : {}),
  };
  const unique = [...new Map(notes.map((note) => [`${note.resource}\u0000${note.field}\u0000${note.reason}`, note])).values()];
  if (config.models.length === 0) throw new ImportError('nothing to import: no AIGatewayRoute rule could be carried over', unique);
  // The output must be a config aigw accepts; a problem here is a bug in the importer.
  validateConfig(config, 'imported config');
  return { config, notes: unique, secrets: secrets.uses };
}

import { parseAllDocuments } from 'yaml';
import { ResourceReader, asList, asObject } from './resource';
import type { ImportNote } from './resource';

/** The kinds the importer reads, each by its API group. */
const KNOWN: Readonly<Record<string, { group: string; versions: readonly string[] }>> = {
  AIGatewayRoute: { group: 'aigateway.envoyproxy.io', versions: ['v1beta1', 'v1alpha1'] },
  AIServiceBackend: { group: 'aigateway.envoyproxy.io', versions: ['v1beta1', 'v1alpha1'] },
  BackendSecurityPolicy: { group: 'aigateway.envoyproxy.io', versions: ['v1beta1', 'v1alpha1'] },
  GatewayConfig: { group: 'aigateway.envoyproxy.io', versions: ['v1beta1', 'v1alpha1'] },
  Backend: { group: 'gateway.envoyproxy.io', versions: ['v1alpha1'] },
  BackendTrafficPolicy: { group: 'gateway.envoyproxy.io', versions: ['v1alpha1'] },
  BackendTLSPolicy: { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha3'] },
};

/** Why a kind that may sit beside the imported ones is not imported. */
const NOT_IMPORTED: Readonly<Record<string, string>> = {
  Secret: 'not imported: secret values are never copied into the config; the config names where aigw reads each one (see the credentials list at the top)',
  ConfigMap: 'not imported: a CA bundle a BackendTLSPolicy names is read from a file (see tls.caFile)',
  Gateway: 'not imported: aigw has one listener (listener.address and listener.port)',
  HTTPRoute: 'not imported: aigw routes on the model; AIGatewayRoute rules are imported instead',
  ReferenceGrant: 'not imported: an aigw config has no namespaces; cross-namespace references are resolved as written',
  MCPRoute: 'not imported: the MCP gateway is configured in the mcp: section (docs/mcp.md)',
  QuotaPolicy: 'not imported: aigw token quotas are rateLimits descriptors and budgets (docs/rate-limits.md)',
  InferencePool: 'not imported: aigw has no endpoint picker; name each model server as a backend',
};

/** Every imported resource by kind, in file order. */
export type Manifests = Readonly<Record<string, readonly ResourceReader[]>>;

/** One input file's text and its name (for messages). */
export interface ManifestFile {
  readonly path: string;
  readonly text: string;
}

/** Thrown when a file is not YAML: the import cannot go on. */
export class ManifestError extends Error {}

/**
 * Reads multi-document YAML (and `kind: List` / `…List` documents) into readers by kind;
 * documents of other kinds and API versions become notes.
 */
export function readManifests(files: readonly ManifestFile[], notes: ImportNote[]): Manifests {
  const byKind: Record<string, ResourceReader[]> = {};
  const add = (value: unknown, origin: string): void => {
    const body = asObject(value);
    if (!body) return;
    const kind = typeof body.kind === 'string' ? body.kind : '';
    if (kind.endsWith('List') && Array.isArray(body.items)) {
      asList(body.items).forEach((item, index) => add(item, `${origin} items[${index}]`));
      return;
    }
    const reader = new ResourceReader(body, notes);
    const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const known = KNOWN[kind];
    if (!known) {
      notes.push({ resource: reader.label, field: '', reason: NOT_IMPORTED[kind] ?? `not imported: ${kind ? `kind ${kind} (${apiVersion || 'no apiVersion'})` : `a document without kind (${origin})`} has no aigw equivalent this importer knows` });
      return;
    }
    if (group !== known.group || !known.versions.includes(version)) {
      notes.push({ resource: reader.label, field: 'apiVersion', reason: `not imported: ${apiVersion} is not ${known.group}/${known.versions.join(' or ')}` });
      return;
    }
    if (version !== known.versions[0]) notes.push({ resource: reader.label, field: 'apiVersion', reason: `${apiVersion} read as ${known.group}/${known.versions[0]}: fields that version does not have are named below` });
    (byKind[kind] ??= []).push(reader);
  };
  for (const file of files) {
    const documents = parseAllDocuments(file.text);
    for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
      if (document.errors.length > 0) throw new ManifestError(`${file.path}: document ${index + 1}: ${document.errors[0].message.split('\n')[0]}`);
      add(document.toJS(), `${file.path} document ${index + 1}`);
    }
  }
  return byKind;
}

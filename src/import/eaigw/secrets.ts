/**
 * Where the imported config reads each Kubernetes Secret key: API keys and client secrets from
 * environment variables (a pod sets them with `env[].valueFrom.secretKeyRef`), credential files
 * and CA bundles from files under one directory (a pod mounts each Secret or ConfigMap at
 * `DIR/<name>/`, so the key is the file name).
 */

/** One Secret (or ConfigMap) key the imported config reads, and from where. */
export interface SecretUse {
  /** `namespace/name`. */
  readonly object: string;
  readonly key: string;
  readonly kind: 'Secret' | 'ConfigMap';
  readonly env?: string;
  readonly file?: string;
}

/** An environment variable name for a Secret key: `openai-apikey` + `apiKey` → `OPENAI_APIKEY_API_KEY`. */
export function secretEnvName(secretName: string, key: string): string {
  const words = (text: string): string =>
    text
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
  const name = `${words(secretName)}_${words(key)}`;
  return /^[A-Z_]/.test(name) ? name : `S_${name}`;
}

/** The file a mounted Secret or ConfigMap key appears as. */
export function secretFilePath(directory: string, objectName: string, key: string): string {
  return `${directory.replace(/\/+$/, '')}/${objectName}/${key}`;
}

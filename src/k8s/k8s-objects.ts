import { createHash } from 'node:crypto';
import type { Json } from '../config/render-envoy-clusters';

/**
 * What every rendered Kubernetes object shares: its envelope, labels and names. The renderers
 * (envoy-gateway.ts, istio.ts) are pure: an aigw config in, a list of objects out.
 */

/** One Kubernetes object as plain data (YAML-ready). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Json;
  readonly spec?: Json;
  readonly data?: Record<string, string>;
}

/** The targets `aigw render-k8s --target` accepts. */
export const K8S_TARGETS = ['envoy-gateway', 'istio'] as const;
export type K8sTarget = (typeof K8S_TARGETS)[number];

export function isK8sTarget(value: string): value is K8sTarget {
  return (K8S_TARGETS as readonly string[]).includes(value);
}

/** Options shared by both targets. */
export interface K8sOptions {
  /** Namespace of every rendered object (default `default`). */
  readonly namespace?: string;
  /** Host names aigw answers on (HTTPRoute hostnames, Istio Gateway hosts and virtual host domains). */
  readonly domains?: readonly string[];
  /** The aigw config file's text, put in the `aigw-config` ConfigMap the aigw container reads. */
  readonly configText?: string;
  /** The aigw container image (default `aigw:local`, the image the Dockerfile builds). */
  readonly image?: string;
}

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_IMAGE = 'aigw:local';
/** The ConfigMap holding aigw's config, and the Secret its credentials come from (as environment variables). */
export const CONFIG_MAP_NAME = 'aigw-config';
export const CREDENTIALS_SECRET_NAME = 'aigw-credentials';
export const CONFIG_MOUNT_PATH = '/etc/aigw';

/** Labels on every object, so `kubectl get -l app.kubernetes.io/managed-by=aigw` finds them all. */
export const LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'aigw', 'app.kubernetes.io/managed-by': 'aigw' };

/** An object's metadata: name, namespace, aigw's labels, and annotations when given. */
export function objectMetadata(name: string, namespace: string, annotations?: Record<string, string>): Json {
  return { name, namespace, labels: { ...LABELS }, ...(annotations ? { annotations } : {}) };
}

/**
 * A DNS-1123 label made from an aigw name (`prefix-name`): lower case, `-` for anything else,
 * at most 63 characters. A name that had to change gets 6 hex digits of its SHA-256, so two
 * aigw names never meet in one Kubernetes name (`a_b` and `a-b`).
 */
export function kubernetesName(prefix: string, name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const changed = cleaned !== name;
  const suffix = changed ? `-${createHash('sha256').update(name).digest('hex').slice(0, 6)}` : '';
  const room = 63 - prefix.length - 1 - suffix.length;
  return `${prefix}-${cleaned.slice(0, room).replace(/-+$/, '')}${suffix}`;
}

/** The aigw config as a ConfigMap the aigw container mounts (credentials stay in the Secret, read as environment variables). */
export function configMap(namespace: string, configText: string): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: objectMetadata(CONFIG_MAP_NAME, namespace), data: { 'aigw.yaml': configText } };
}

/** The directory a Unix socket target lives in (shared between the Envoy and aigw containers), or undefined for TCP. */
export function socketDirectory(target: string): string | undefined {
  if (!target.startsWith('unix:')) return undefined;
  const path = target.slice('unix:'.length);
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

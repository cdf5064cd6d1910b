import { readFileSync } from 'node:fs';
import type { RuntimeConfig } from '../config/runtime';
import { isK8sTarget, K8S_TARGETS } from '../k8s/k8s-objects';
import { renderK8sYaml } from '../k8s/render-k8s';
import { UsageError, stringValue } from './args';
import { COMMANDS } from './commands';

type Values = Record<string, string | boolean | undefined>;

/** A Kubernetes name (RFC 1123 label), as --namespace, --gateway and --listener must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * `aigw render-k8s FILE --target …`: checks the options (a usage error names the bad one
 * before the config is read), then renders. Returns the YAML text.
 */
export function renderK8sCommand(values: Values, path: string, load: (path: string) => RuntimeConfig): string {
  const usage = COMMANDS['render-k8s'].usage;
  const target = stringValue(values, 'target');
  if (target === undefined) throw new UsageError(`aigw render-k8s: missing --target (${K8S_TARGETS.join(' or ')})`, usage);
  if (!isK8sTarget(target)) throw new UsageError(`aigw render-k8s: --target must be ${K8S_TARGETS.join(' or ')}, not '${target}'`, usage);
  for (const option of ['namespace', 'gateway', 'listener'] as const) {
    const value = stringValue(values, option);
    if (value !== undefined && !DNS_LABEL.test(value)) throw new UsageError(`aigw render-k8s: --${option} must be a Kubernetes name (lower case letters, digits, '-'), not '${value}'`, usage);
  }
  if (target === 'istio') {
    for (const option of ['gateway', 'listener'] as const) {
      if (values[option] !== undefined) throw new UsageError(`aigw render-k8s: --${option} applies to --target envoy-gateway only`, usage);
    }
  }
  const domains = stringValue(values, 'domain')?.split(',').map((domain) => domain.trim()).filter(Boolean);
  const args = ['--target', target, ...(['namespace', 'domain', 'gateway', 'listener', 'image'] as const).flatMap((option) => (values[option] !== undefined ? [`--${option}`, String(values[option])] : []))];
  return renderK8sYaml(
    load(path),
    target,
    {
      namespace: stringValue(values, 'namespace'),
      domains,
      gateway: stringValue(values, 'gateway'),
      listener: stringValue(values, 'listener'),
      image: stringValue(values, 'image'),
      configText: readFileSync(path, 'utf8'),
    },
    `aigw render-k8s ${path} ${args.join(' ')}`,
  );
}

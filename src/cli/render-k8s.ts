import { readFileSync } from 'node:fs';
import type { RuntimeConfig } from '../config/runtime';
import { isK8sTarget, K8S_TARGETS } from '../k8s/k8s-objects';
import { renderK8sYaml } from '../k8s/render-k8s';
import { UsageError, stringValue } from './args';
import { COMMANDS } from './commands';

type Values = Record<string, string | boolean | undefined>;

/** A Kubernetes name (RFC 1123 label), as --namespace, --gateway and --listener must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A label value or key (the name part; a key may have a DNS prefix and `/`). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `--selector app=gw,istio=ingressgateway`: the labels of the Istio gateway's pods. */
function parseSelector(text: string | undefined, usage: string): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [key, value, ...rest] = pair.split('=');
    if (value === undefined || rest.length > 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new UsageError(`aigw render-k8s: --selector takes KEY=VALUE[,KEY=VALUE…] with Kubernetes label keys and values, not '${text}'`, usage);
    }
    labels[key] = value;
  }
  return labels;
}

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
  const only: Record<string, readonly string[]> = { istio: ['gateway', 'listener'], 'envoy-gateway': ['selector', 'port'] };
  for (const option of only[target]) {
    if (values[option] !== undefined) throw new UsageError(`aigw render-k8s: --${option} applies to --target ${target === 'istio' ? 'envoy-gateway' : 'istio'} only`, usage);
  }
  const selector = parseSelector(stringValue(values, 'selector'), usage);
  const portText = stringValue(values, 'port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError(`aigw render-k8s: --port must be a port number (1-65535), not '${portText}'`, usage);
  const domains = stringValue(values, 'domain')?.split(',').map((domain) => domain.trim()).filter(Boolean);
  const args = ['--target', target, ...(['namespace', 'domain', 'gateway', 'listener', 'selector', 'port', 'image'] as const).flatMap((option) => (values[option] !== undefined ? [`--${option}`, String(values[option])] : []))];
  return renderK8sYaml(
    load(path),
    target,
    {
      namespace: stringValue(values, 'namespace'),
      domains,
      gateway: stringValue(values, 'gateway'),
      listener: stringValue(values, 'listener'),
      selector,
      port,
      image: stringValue(values, 'image'),
      configText: readFileSync(path, 'utf8'),
    },
    `aigw render-k8s ${path} ${args.join(' ')}`,
  );
}

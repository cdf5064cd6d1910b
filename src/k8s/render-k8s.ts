import { stringify } from 'yaml';
import type { RuntimeConfig } from '../config/runtime';
import { renderEnvoyGateway } from './envoy-gateway';
import type { EnvoyGatewayOptions } from './envoy-gateway';
import { renderIstio } from './istio';
import type { IstioOptions } from './istio';
import type { K8sObject, K8sTarget } from './k8s-objects';

/** Options of `aigw render-k8s`, for either target. */
export type RenderK8sOptions = EnvoyGatewayOptions & IstioOptions;

/** The objects of one target (pure: config in, objects out). */
export function renderK8s(config: RuntimeConfig, target: K8sTarget, options: RenderK8sOptions = {}): K8sObject[] {
  return target === 'envoy-gateway' ? renderEnvoyGateway(config, options) : renderIstio(config, options);
}

/** The objects as one multi-document YAML file for `kubectl apply -f`, with a header saying where it came from. */
export function renderK8sYaml(config: RuntimeConfig, target: K8sTarget, options: RenderK8sOptions = {}, command = 'aigw render-k8s'): string {
  const documents = renderK8s(config, target, options).map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
  return `# Rendered by \`${command}\` (docs/kubernetes-gateways.md). Do not edit: change the aigw config and render again.\n${documents.join('---\n')}`;
}

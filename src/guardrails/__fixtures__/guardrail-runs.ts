import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import { createLogger } from '../../telemetry/logger';
import { GatewayMetrics } from '../../telemetry/metrics';
import { BUILTIN_DETECTOR_NAMES } from '../builtin-detectors';
import { GuardrailRun } from '../guardrail-run';

/** Every built-in detector, under one action for both directions (plus webhooks when given). */
export function runUnder(action: 'monitor' | 'redact' | 'block', guardrails: Record<string, unknown> = {}): GuardrailRun {
  const runtime = compileConfig(
    validateConfig({
      backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
      models: [{ name: 'm', backends: [{ backend: 'b' }] }],
      guardrails: {
        default: {
          rules: [{ detectors: [...BUILTIN_DETECTOR_NAMES], action }],
        },
        ...guardrails,
      },
    }),
    {},
  );
  const policy = runtime.guardrails?.policyFor({ caller: 'c', team: 't', project: 'p' }, 'm');
  if (!policy) throw new Error('no policy');
  return new GuardrailRun(
    policy,
    { requestId: 'r', caller: 'c', team: 't', project: 'p', model: 'm', api: 'openai-chat', policy: policy.name },
    { metrics: new GatewayMetrics({ defaultMetrics: false }), logger: createLogger('error') },
  );
}

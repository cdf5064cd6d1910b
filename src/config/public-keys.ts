import { createHash } from 'node:crypto';
import type { ConfigProblem } from './load';
import type { AigwConfig } from './schema';

/**
 * Caller keys printed in the README, the docs and the example configs. Anyone can read them,
 * so a gateway that spends a real provider key must not accept them from the network.
 */
export const PUBLIC_EXAMPLE_KEYS = ['sk-aigw-demo', 'sk-triage-bot', 'sk-platform-agent'] as const;

const PUBLIC_DIGESTS = new Map(PUBLIC_EXAMPLE_KEYS.map((key) => [createHash('sha256').update(key).digest('hex'), key]));

/** Whether Envoy's listener address accepts connections from this machine only. */
export function isLoopback(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A listener open to other machines, a provider credential configured and a caller whose key
 * is one of the published examples: anyone on the network could spend that credential.
 * `hasProviderCredential` says whether any backend has a credential it can use.
 */
export function publicKeyProblems(config: AigwConfig, hasProviderCredential: boolean): ConfigProblem[] {
  if (isLoopback(config.listener.address) || !hasProviderCredential) return [];
  const problems: ConfigProblem[] = [];
  config.callers.forEach((caller, index) => {
    const key = PUBLIC_DIGESTS.get(caller.keyHash.slice('sha256:'.length));
    if (!key) return;
    problems.push({
      path: `callers[${index}].keyHash`,
      message:
        `is the hash of "${key}", a key published in aigw's README and examples, and listener.address ${config.listener.address} ` +
        'accepts other machines while a provider credential is configured: anyone on the network could spend it. ' +
        'Give this caller a key of its own (aigw hash-key), or set listener.address: 127.0.0.1',
    });
  });
  return problems;
}

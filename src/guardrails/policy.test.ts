import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hashApiKey } from '../auth/api-keys';
import { ConfigError, validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import type { RuntimeGuardrails } from './policy';
import { parseVerdict } from './webhook';

const BASE = {
  backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
  models: [{ name: 'm1', backends: [{ backend: 'b' }] }, { name: 'm2', backends: [{ backend: 'b' }] }],
  callers: [
    { name: 'alice', keyHash: hashApiKey('a'), team: 'red', project: 'p' },
    { name: 'bob', keyHash: hashApiKey('b'), team: 'blue', project: 'p' },
  ],
};

function problems(guardrails: unknown): string[] {
  try {
    validateConfig({ ...BASE, guardrails });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

function compiled(guardrails: unknown, env: NodeJS.ProcessEnv = {}): { guardrails: RuntimeGuardrails; warnings: readonly string[] } {
  const runtime = compileConfig(validateConfig({ ...BASE, guardrails }), env);
  if (!runtime.guardrails) throw new Error('no guardrails');
  return { guardrails: runtime.guardrails, warnings: runtime.warnings };
}

/** A policy's rules as `direction detector=action` strings. */
function rulesOf(guardrails: RuntimeGuardrails, caller: string, team: string, model: string): string[] | undefined {
  const policy = guardrails.policyFor({ caller, team, project: 'p' }, model);
  if (!policy) return undefined;
  return (['request', 'response'] as const).flatMap((direction) => (policy.rules[direction]?.rules ?? []).map((rule) => `${policy.name} ${direction} ${rule.detector.name}=${rule.action}`));
}

describe('guardrails config', () => {
  it('reports every problem with its path', () => {
    expect(
      problems({
        detectors: [
          { name: 'email', keywords: ['x'] },
          { name: 'bad-re', regex: '(a)\\1' },
          { name: 'both', regex: 'a', keywords: ['a'] },
        ],
        webhooks: [{ name: 'w', url: 'ftp://x' }],
        default: {
          rules: [
            { detectors: ['email', 'nope'], action: 'redact' },
            { detectors: ['email'], action: 'block', on: ['response'] },
          ],
          webhooks: [{ webhook: 'missing' }],
        },
        policies: [
          { name: 'default', match: { callers: ['carol'], models: ['m3'] } },
          { name: 'x', match: {}, rules: [{ detectors: ['phone'], action: 'shout' }] },
        ],
      }),
    ).toEqual([
      'guardrails.default.rules[0].detectors[1]: unknown detector "nope" (built-in: private_key, jwt, anthropic_key, openai_key, github_token, aws_access_key, credit_card, us_ssn, iban, ipv4, ipv6, phone, email)',
      'guardrails.default.rules[1].detectors[0]: detector "email" has a second rule for the response',
      'guardrails.default.webhooks[0].webhook: unknown webhook "missing"',
      'guardrails.detectors[0].name: "email" is a built-in detector',
      'guardrails.detectors[1].regex: not a valid RE2 pattern: error parsing regexp: invalid escape sequence: `\\1`',
      'guardrails.detectors[2]: set exactly one of regex or keywords',
      'guardrails.policies[0].match.callers[0]: unknown caller "carol"',
      'guardrails.policies[0].match.models[0]: unknown model "m3"',
      'guardrails.policies[0].name: "default" is the name of guardrails.default',
      'guardrails.policies[1].match: set callers, teams or models',
      'guardrails.policies[1].rules[0].action: Invalid option: expected one of "monitor"|"redact"|"block"',
      'guardrails.webhooks[0].url: must start with http:// or https://',
    ]);
  });

  it('picks the first matching policy, else the default; inherit merges the default under the policy', () => {
    const { guardrails } = compiled({
      default: { rules: [{ detectors: ['email', 'credit_card'], action: 'redact' }] },
      policies: [
        { name: 'red-m2', match: { teams: ['red'], models: ['m2'] }, rules: [{ detectors: ['credit_card'], action: 'block', on: ['request'] }] },
        { name: 'bob', match: { callers: ['bob'] }, inherit: false, rules: [{ detectors: ['phone'], action: 'monitor', on: ['response'] }] },
        { name: 'red', match: { teams: ['red'] }, inherit: false },
      ],
    });
    expect(rulesOf(guardrails, 'alice', 'red', 'm2')).toEqual([
      'red-m2 request credit_card=block',
      'red-m2 request email=redact',
      'red-m2 response credit_card=redact',
      'red-m2 response email=redact',
    ]);
    expect(rulesOf(guardrails, 'bob', 'blue', 'm1')).toEqual(['bob response phone=monitor']);
    // A matching policy with nothing to do means no guardrails, not the default.
    expect(rulesOf(guardrails, 'alice', 'red', 'm1')).toBeUndefined();
    expect(rulesOf(guardrails, 'carol', 'green', 'm1')).toEqual(['default request credit_card=redact', 'default request email=redact', 'default response credit_card=redact', 'default response email=redact']);
  });

  it('a webhook secret that cannot be read is a warning naming its source, never a value', () => {
    const { warnings } = compiled({ webhooks: [{ name: 'w', url: 'http://127.0.0.1:1/', credential: { env: 'NOT_SET_ANYWHERE' } }], default: { webhooks: [{ webhook: 'w' }] } });
    expect(warnings).toContain('guardrails.webhooks[0].credential: environment variable NOT_SET_ANYWHERE is not set; webhook "w" is called without it');
  });
});

describe('parseVerdict', () => {
  it('accepts the three answers and nothing else', () => {
    expect(parseVerdict({ action: 'allow' }, 2)).toEqual({ action: 'allow' });
    expect(parseVerdict({ action: 'block', reason: 'no' }, 2)).toEqual({ action: 'block', reason: 'no' });
    expect(parseVerdict({ action: 'redact', texts: ['a', null] }, 2)).toEqual({ action: 'redact', texts: ['a', null] });
    expect(parseVerdict({ action: 'redact', texts: ['a'] }, 2)).toBeUndefined();
    expect(parseVerdict({ action: 'redact', texts: [1, 2] }, 2)).toBeUndefined();
    expect(parseVerdict({ action: 'maybe' }, 2)).toBeUndefined();
    expect(parseVerdict('allow', 2)).toBeUndefined();
    expect(parseVerdict(null, 2)).toBeUndefined();
  });
});

describe('the README example', () => {
  it('is a valid guardrails section', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]).find((text) => text.startsWith('guardrails:'));
    if (!block) throw new Error('no guardrails example in the README');
    const raw = { ...BASE, callers: [...BASE.callers, { name: 'support-bot', keyHash: hashApiKey('s'), team: 'support', project: 'p' }], ...parse(block) };
    const runtime = compileConfig(validateConfig(raw), {});
    expect(runtime.guardrails?.policyFor({ caller: 'support-bot', team: 'support', project: 'p' }, 'm1')?.webhooks.request.map((w) => w.name)).toEqual(['moderation']);
  });
});

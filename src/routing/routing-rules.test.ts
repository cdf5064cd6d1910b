import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hashApiKey } from '../auth/api-keys';
import { ConfigError, validateConfig } from '../config/load';
import type { RoutingRuleConfig } from '../config/schema-routing';
import type { RoutingInput } from './routing-rules';
import { RoutingRules } from './routing-rules';

function input(overrides: Partial<RoutingInput> = {}): RoutingInput {
  return { model: 'gpt', caller: 'c', team: 't', project: 'p', headers: new Map(), promptTokens: () => 10, ...overrides };
}

const RULES: RoutingRuleConfig[] = [
  { name: 'long', match: { model: 'gpt', minPromptTokens: 1000 }, to: 'gpt-long' },
  { name: 'research', match: { model: 'gpt', teams: ['research'] }, to: 'claude' },
  { name: 'beta-header', match: { model: 'gpt', headers: { 'x-channel': ['beta', 'canary'] } }, to: 'gpt-new' },
  { name: 'migrate', match: { model: 'gpt', projects: ['p2'] }, split: [{ to: 'gpt', weight: 75 }, { to: 'gpt-new', weight: 25 }], stickyBy: 'user' },
  { name: 'coin', match: { model: 'gpt', projects: ['p3'] }, split: [{ to: 'gpt', weight: 1 }, { to: 'gpt-new', weight: 1 }] },
];

describe('RoutingRules', () => {
  const rules = new RoutingRules(RULES);

  it('the first rule whose every condition holds wins; none keeps the model', () => {
    expect(rules.decide(input())).toEqual({ model: 'gpt' });
    expect(rules.decide(input({ model: 'other', team: 'research' }))).toEqual({ model: 'other' });
    expect(rules.decide(input({ team: 'research' }))).toEqual({ model: 'claude', rule: 'research' });
    expect(rules.decide(input({ team: 'research', promptTokens: () => 5000 }))).toEqual({ model: 'gpt-long', rule: 'long' });
    expect(rules.decide(input({ headers: new Map([['x-channel', 'canary']]) }))).toEqual({ model: 'gpt-new', rule: 'beta-header' });
    expect(rules.decide(input({ headers: new Map([['x-channel', 'stable']]) }))).toEqual({ model: 'gpt' });
    expect(rules.headerNames).toEqual(new Set(['x-channel']));
  });

  it('counts prompt tokens only when a rule of the model asks', () => {
    let counted = 0;
    const promptTokens = (): number => {
      counted++;
      return 10;
    };
    rules.decide(input({ model: 'other', promptTokens }));
    expect(counted).toBe(0);
    rules.decide(input({ promptTokens }));
    expect(counted).toBe(1);
  });

  it('a sticky split keeps each user on one arm, and arms get their weight', () => {
    const arms = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const user = `user-${i}`;
      const first = rules.decide(input({ project: 'p2', user })).model;
      expect(rules.decide(input({ project: 'p2', user })).model).toBe(first);
      arms.set(first, (arms.get(first) ?? 0) + 1);
    }
    expect(Math.abs((arms.get('gpt-new') ?? 0) / 4000 - 0.25)).toBeLessThan(0.03);
  });

  it('an unsticky split draws by weight', () => {
    let newer = 0;
    for (let i = 0; i < 4000; i++) if (rules.decide(input({ project: 'p3' })).model === 'gpt-new') newer++;
    expect(Math.abs(newer / 4000 - 0.5)).toBeLessThan(0.05);
  });
});

describe('routing config', () => {
  it('reports unknown models and callers, bad rules and duplicates with their paths', () => {
    let problems: string[] = [];
    try {
      validateConfig({
        backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
        models: [{ name: 'gpt', backends: [{ backend: 'b' }] }],
        callers: [{ name: 'c', keyHash: hashApiKey('k'), team: 't', project: 'p' }],
        routing: [
          { name: 'a', match: { model: 'gpt', callers: ['nobody'] }, to: 'missing' },
          { name: 'a', match: { model: 'nope', minPromptTokens: 10, maxPromptTokens: 5 }, split: [{ to: 'gpt', weight: 0 }, { to: 'gone', weight: 0 }] },
          { name: 'b', match: { model: 'gpt' }, to: 'gpt', split: [{ to: 'gpt', weight: 1 }, { to: 'gpt', weight: 1 }], stickyBy: 'user' },
        ],
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([
      'routing[0].match.callers[0]: unknown caller "nobody"',
      'routing[0].to: unknown model "missing"',
      'routing[1].match: minPromptTokens is above maxPromptTokens',
      'routing[1].match.model: unknown model "nope"',
      'routing[1].name: duplicate routing rule "a"',
      'routing[1].split: a split needs a weight above 0',
      'routing[1].split[1].to: unknown model "gone"',
      'routing[2]: set exactly one of to or split',
    ]);
  });
});

describe('the README example', () => {
  it('is a valid routing section', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]).find((text) => text.startsWith('routing:'));
    if (!block) throw new Error('no routing example in the README');
    const models = ['gpt-4o', 'gpt-4.1-long', 'claude-sonnet', 'gpt-4o-new'].map((name) => ({ name, backends: [{ backend: 'b' }] }));
    const config = validateConfig({ backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }], models, ...(parse(block) as object) });
    const rules = new RoutingRules(config.routing);
    expect(rules.decide(input({ model: 'gpt-4o', team: 'research' }))).toEqual({ model: 'claude-sonnet', rule: 'research' });
  });
});

import OpenAI from 'openai';
import { hashApiKey } from '../src/auth/api-keys';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, metricValue } from './harness';

const RESEARCH_KEY = 'sk-e2e-research';

/**
 * Routing rules through real Envoy: by prompt size, by team, by header with a sticky
 * weighted split. The rule picks the model in ext_proc; Envoy routes to that model's cluster.
 */
describeE2E('routing rules', () => {
  let small: FakeProvider;
  let long: FakeProvider;
  let claude: FakeProvider;
  let canary: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    [small, long, claude, canary] = await Promise.all(['small', 'long', 'claude', 'canary'].map((name) => FakeProvider.start({ name })));
    stack = await Stack.start({
      env: { KEY: 'sk-backend' },
      config: {
        callers: [
          { name: 'e2e', keyHash: hashApiKey(TEST_KEY), team: 'team-e2e', project: 'p' },
          { name: 'researcher', keyHash: hashApiKey(RESEARCH_KEY), team: 'research', project: 'p' },
        ],
        backends: [
          { name: 'small', kind: 'openai', baseUrl: `${small.url}/v1`, credential: { env: 'KEY' } },
          { name: 'long', kind: 'openai', baseUrl: `${long.url}/v1`, credential: { env: 'KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'KEY' } },
          { name: 'canary', kind: 'openai', baseUrl: `${canary.url}/v1`, credential: { env: 'KEY' } },
        ],
        models: [
          { name: 'gpt', backends: [{ backend: 'small', model: 'gpt-4o-mini' }] },
          { name: 'gpt-long', backends: [{ backend: 'long', model: 'gpt-4.1' }] },
          { name: 'claude', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'gpt-canary', backends: [{ backend: 'canary' }] },
        ],
        routing: [
          { name: 'long-prompts', match: { model: 'gpt', minPromptTokens: 200 }, to: 'gpt-long' },
          { name: 'research', match: { model: 'gpt', teams: ['research'] }, to: 'claude' },
          { name: 'canary', match: { model: 'gpt', headers: { 'x-channel': 'canary' } }, split: [{ to: 'gpt', weight: 50 }, { to: 'gpt-canary', weight: 50 }], stickyBy: 'caller' },
        ],
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([small, long, claude, canary].map((provider) => provider?.close()));
  });

  const client = (key = TEST_KEY, headers: Record<string, string> = {}): OpenAI => new OpenAI({ apiKey: key, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0, defaultHeaders: headers });

  test('a short prompt stays on its model; a prompt over 200 tokens goes to the long-context model', async () => {
    await client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'short question' }] });
    await client().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'word '.repeat(400) }] });
    expect(small.received.map((r) => (r.json as { model: string }).model)).toEqual(['gpt-4o-mini']);
    expect(long.received.map((r) => (r.json as { model: string }).model)).toEqual(['gpt-4.1']);
    const entry = await stack.waitForAccessLog((line) => line.route_rule === 'long-prompts');
    expect(entry).toMatchObject({ status: 200, model: 'gpt-long', requested_model: 'gpt', route_rule: 'long-prompts' });
  });

  test('a team rule sends the research team to an Anthropic model, translated', async () => {
    const answer = await client(RESEARCH_KEY).chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hello' }] });
    expect(claude.received).toHaveLength(1);
    expect(claude.received[0].path).toBe('/v1/messages');
    expect((claude.received[0].json as { model: string }).model).toBe('claude-sonnet-4-5');
    expect(answer.object).toBe('chat.completion');
  });

  test('a header rule with a weighted split keeps a caller on one arm, and every decision is counted', async () => {
    const counted = async (): Promise<number> => {
      const text = await stack.metricsText();
      return metricValue(text, 'aigw_routing_decisions_total{rule="canary",model="gpt"}') + metricValue(text, 'aigw_routing_decisions_total{rule="canary",model="gpt-canary"}');
    };
    const before = await counted();
    const [smallBefore, canaryBefore] = [small.received.length, canary.received.length];
    for (let i = 0; i < 6; i++) await client(TEST_KEY, { 'x-channel': 'canary' }).chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    // 50/50 by weight, but sticky: all six on the same arm (a coin would split them with p = 31/32).
    const arms = [small.received.length - smallBefore, canary.received.length - canaryBefore];
    expect(arms.sort()).toEqual([0, 6]);
    expect((await counted()) - before).toBe(6);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, makeCertificates } from './harness';
import { CHAT_CASES } from './pairs/chat-cases';
import { OTHER_CASES } from './pairs/other-cases';
import { TOOL_CASES } from './pairs/tool-cases';
import { ask } from './pairs/pair-case';
import type { Clients, PairCase, RunningFake } from './pairs/pair-case';
import { PROVIDERS } from './pairs/providers';

/**
 * The pair table: every (client API → provider API) pair the gateway translates, streamed and
 * not, through real Envoy with the official SDKs. Each row pins the exact request the
 * provider received and the answer the client got; both modes of a row must give the same
 * answer, and the access log must carry its usage.
 */
const CASES: PairCase[] = [...CHAT_CASES, ...TOOL_CASES, ...OTHER_CASES];

interface Run {
  name: string;
  model: string;
  stream: boolean;
  row: PairCase;
}

const RUNS: Run[] = CASES.flatMap((row, index) =>
  (row.modes ?? ['plain', 'stream']).map((mode) => ({
    name: `${row.pair} (${mode === 'stream' ? 'streaming' : 'non-streaming'})`,
    // One model per row, so the access log entry of each run is unambiguous.
    model: `pair-${index}-${mode}`,
    stream: mode === 'stream',
    row,
  })),
);

describeE2E('API pair table through Envoy + aigw', () => {
  const fakes = new Map<string, FakeProvider>();
  let stack: Stack;
  let clients: Clients;
  let certificates: string | undefined;

  beforeAll(async () => {
    const used = [...new Set(CASES.map((row) => row.provider))];
    const running = new Map<string, RunningFake>();
    certificates = mkdtempSync(join(tmpdir(), 'aigw-pairs-'));
    for (const name of used) {
      const names = PROVIDERS[name].tlsNames;
      const pair = names ? makeCertificates(certificates, names) : undefined;
      const fake = await FakeProvider.start({ name, tls: pair && { key: pair.key, cert: pair.cert } });
      fakes.set(name, fake);
      running.set(name, { url: fake.url, port: fake.port, caFile: pair?.caFile });
    }
    stack = await Stack.start({
      env: Object.assign({}, ...used.map((name) => PROVIDERS[name].env ?? {})) as NodeJS.ProcessEnv,
      config: {
        backends: used.flatMap((name) => PROVIDERS[name].backends(running.get(name) ?? { url: '', port: 0 })),
        models: RUNS.map((run) => ({ name: run.model, backends: [{ backend: run.row.backend, model: run.row.upstreamModel }] })),
      },
    });
    clients = {
      openai: new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 }),
      anthropic: new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 }),
    };
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([...fakes.values()].map((fake) => fake.close()));
    if (certificates) rmSync(certificates, { recursive: true, force: true });
  });

  test.each(RUNS)('$name', async ({ model, stream, row }) => {
    const fake = fakes.get(row.provider);
    if (!fake) throw new Error(`no fake provider ${row.provider}`);
    fake.reset();
    if (row.answer) fake.enqueue(row.answer(stream));

    const answer = await ask(clients, row.client, model, row.request, stream);

    expect(fake.received).toHaveLength(1);
    const received = fake.received[0];
    const upstream = row.upstream(stream);
    expect({ path: received.path, json: received.json }).toEqual({ path: upstream.path, json: upstream.json });
    for (const [name, value] of Object.entries(upstream.headers)) expect([name, received.headers[name]]).toEqual([name, value]);
    PROVIDERS[row.provider].verify?.(received);
    const expected = typeof row.expected === 'function' ? row.expected(stream) : row.expected;
    expect(answer).toEqual(expected);
    const logged = row.accessLog ?? (expected.usage ? { input_tokens: expected.usage.input, output_tokens: expected.usage.output } : { input_tokens: null });
    const entry = await stack.waitForAccessLog((line) => line.model === model);
    expect(entry).toMatchObject({ status: 200, attempts: 1, ...logged });
  });
});

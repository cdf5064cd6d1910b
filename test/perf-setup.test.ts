import { parseClientRequest } from '../src/api/client-request';
import { validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import { createTranslator } from '../src/providers/registry';
import { translatedStreamSpecs } from '../perf/phases';
import { BENCH_ANTHROPIC_MODEL, chatBody, messagesBody } from '../perf/setup';
import type { Targets } from '../perf/setup';

describe('translated streaming phase', () => {
  test('Envoy alone gets the Anthropic body aigw itself sends upstream for the OpenAI chat request', async () => {
    const config = compileConfig(
      validateConfig({
        backends: [{ name: 'fake-anthropic', kind: 'anthropic', baseUrl: 'http://127.0.0.1:1' }],
        models: [{ name: BENCH_ANTHROPIC_MODEL, backends: [{ backend: 'fake-anthropic' }] }],
        callers: [],
      }),
      {},
    );
    const backend = config.backends.get('fake-anthropic');
    if (backend === undefined) throw new Error('no backend');
    const upstream = await createTranslator(parseClientRequest('openai-chat', chatBody(true, BENCH_ANTHROPIC_MODEL)), { backend }).requestBody();
    expect(upstream.path).toBe('/v1/messages');
    expect(JSON.parse(upstream.body.toString('utf8'))).toEqual(JSON.parse(messagesBody(true).toString('utf8')));
  });

  test('request specs: the Anthropic path to Envoy alone, the OpenAI chat path to Envoy + aigw, both streamed', () => {
    const targets = { ports: { envoy: 1001, aigw: 1002 } } as unknown as Targets;
    const specs = translatedStreamSpecs(targets);
    expect({ ...specs.envoy, body: JSON.parse(specs.envoy.body.toString('utf8')) }).toEqual({
      port: 1001,
      path: '/v1/messages',
      body: { model: 'bench-anthropic', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }], stream: true },
      stream: true,
    });
    expect({ ...specs.aigw, body: JSON.parse(specs.aigw.body.toString('utf8')) }).toEqual({
      port: 1002,
      path: '/v1/chat/completions',
      body: { model: 'bench-anthropic', messages: [{ role: 'user', content: 'Say hello' }], stream: true },
      stream: true,
    });
  });
});

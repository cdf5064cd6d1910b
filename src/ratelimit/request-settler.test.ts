import { parseClientRequest } from '../api/client-request';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import type { RequestState } from '../extproc/request-store';
import type { Translator } from '../providers/translator';
import type { TokenUsage } from '../providers/usage';
import { countTextTokens, estimateInputTokens } from './estimate';
import { RequestSettler } from './request-settler';
import type { Used } from './settlement';

const config = compileConfig(
  validateConfig({
    backends: [{ name: 'b', kind: 'openai', baseUrl: 'https://api.example.com/v1' }],
    models: [{ name: 'm', backends: [{ backend: 'b' }] }],
    rateLimits: { descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }] }] },
  }),
  {},
);
const body = { model: 'm', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hello there' }] };

function state(usage?: TokenUsage): RequestState {
  const request = parseClientRequest('openai-chat', Buffer.from(JSON.stringify(body)));
  const translator = { usage: () => usage } as Partial<Translator> as Translator;
  return { id: 'req-1', config, identity: { caller: 'c' } as RequestState['identity'], endpoint: { kind: 'model-call', api: 'openai-chat' }, path: '/v1/chat/completions', errorShape: 'openai', startedAt: 0, attempts: 1, clientBody: request.rawBody, clientHeaders: new Map(), request, model: config.models.get('m'), translator };
}

function settler(): { settler: RequestSettler; calls: Array<[string, Used]> } {
  const calls: Array<[string, Used]> = [];
  return { settler: new RequestSettler({ settle: async (id, used) => void calls.push([id, used]) }, config), calls };
}

describe('RequestSettler', () => {
  test('a normal end settles at the reported usage, once however often the stream closes', () => {
    const { settler: subject, calls } = settler();
    const usage: TokenUsage = { inputTokens: 5, outputTokens: 4, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 9 };
    subject.finished(200, usage);
    subject.close(state(usage), 200);
    subject.close(state(usage), 200);
    expect(calls).toEqual([['req-1', { tokens: 9, usdMicros: 0, costs: {} }]]);
  });

  test('a stream cut short settles at the prompt estimate (with its backend’s margin) plus the output streamed so far', () => {
    const { settler: subject, calls } = settler();
    const request = state();
    subject.streamed(request, Buffer.from(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Hello world' } }] })}\n\n`));
    subject.close(request, 200);
    // Backend b is an OpenAI-compatible server that is not OpenAI: its tokenizer is unknown, margin 30%.
    const prompt = request.request ? Math.ceil(estimateInputTokens(request.request) * 1.3) : 0;
    expect(calls).toEqual([['req-1', { tokens: prompt + countTextTokens('Hello world'), usdMicros: 0, costs: {} }]]);
  });

  test('a request that never reached admission, or a gateway without limits, settles nothing', () => {
    const { settler: subject, calls } = settler();
    subject.close({ ...state(), request: undefined }, 0);
    subject.close(undefined, 0);
    new RequestSettler(undefined, config).close(state(), 200);
    expect(calls).toEqual([]);
  });
});

import { GatewayError } from '../errors';
import { runUnder } from './__fixtures__/guardrail-runs';

const KEY = 'AKIAIOSFODNN7EXAMPLE';
const chatAnswer = (content: string): string =>
  JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('GuardrailRun.checkResponse: bodies it cannot read', () => {
  const sse = Buffer.from(`data: ${chatAnswer(`key ${KEY}`)}\n\ndata: [DONE]\n\n`);

  test.each(['redact', 'block'] as const)('under %s, SSE (or any text) answering a non-streamed request is refused with 502', async (action) => {
    for (const body of [sse, Buffer.from(`plain text with ${KEY}`), Buffer.from('[1,2]')]) {
      const error = await failure(runUnder(action).checkResponse('openai-chat', body));
      expect(error).toMatchObject({ status: 502, type: 'server_error', code: 'guardrail_unreadable_response' });
      expect(error.message).toBe("The provider's answer could not be checked by the response guardrails (it is not a JSON object); this policy does not pass on what it cannot check.");
    }
  });

  test('a policy that only counts (monitor) passes what it cannot read unchanged', async () => {
    await expect(runUnder('monitor').checkResponse('openai-chat', sse)).resolves.toBeUndefined();
  });

  test('JSON after a byte order mark is read (as clients read it) and redacted', async () => {
    const checked = await runUnder('redact').checkResponse('openai-chat', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(chatAnswer('mail jane@example.com'))]));
    expect(JSON.parse(String(checked)).choices[0].message.content).toBe('mail [EMAIL_1]');
  });
});

describe('GuardrailRun.checkError: provider error bodies', () => {
  const openAIError = (message: string): Buffer => Buffer.from(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));

  test('an OpenAI-shaped error echoing the prompt is redacted; an Anthropic-shaped one too', async () => {
    const run = runUnder('redact');
    expect(JSON.parse(String(await run.checkError(openAIError(`Invalid content: "mail jane@example.com, key ${KEY}"`))))).toEqual({
      error: { message: 'Invalid content: "mail [EMAIL_1], key [AWS_ACCESS_KEY_1]"', type: 'invalid_request_error', param: null, code: null },
    });
    const anthropic = Buffer.from(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0: bad text "call +1 415 555 2671"' } }));
    expect(JSON.parse(String(await run.checkError(anthropic)))).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0: bad text "call [PHONE_1]"' } });
  });

  test('a text error body is checked as one text; an error without findings is left as it is', async () => {
    const run = runUnder('redact');
    expect(String(await run.checkError(Buffer.from(`upstream said: ${KEY}`)))).toBe('upstream said: [AWS_ACCESS_KEY_1]');
    await expect(run.checkError(openAIError('Rate limit reached'))).resolves.toBeUndefined();
  });

  test('under block, an error echoing a key is refused with the policy status, not relayed', async () => {
    const error = await failure(runUnder('block').checkError(openAIError(`bad key ${KEY}`)));
    expect(error).toMatchObject({ status: 400, code: 'guardrail_blocked', message: 'The response was blocked by guardrail policy "default": detector "aws_access_key" matched.' });
  });
});

describe('GuardrailRun.streamGuard: streams it cannot read', () => {
  /** The whole output of a guard fed `input` in two chunks split at `at`. */
  function through(action: 'monitor' | 'redact' | 'block', input: string, at: number): string {
    const guard = runUnder(action).streamGuard('openai-chat', 'openai');
    if (!guard) throw new Error('no stream guard');
    const bytes = Buffer.from(input);
    return Buffer.concat([guard.push(bytes.subarray(0, at), false), guard.push(bytes.subarray(at), true)]).toString('utf8');
  }
  const ended = (why: string): string =>
    `data: ${JSON.stringify({ error: { message: `The provider's answer could not be checked by the response guardrails (${why}); this policy does not pass on what it cannot check.`, type: 'invalid_request_error', param: null, code: 'guardrail_unreadable_response' } })}\n\n`;
  const chunk = (content: string): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

  test.each([
    ['data that is not JSON', `${chunk('hello ')}data: key ${KEY}\n\ndata: [DONE]\n\n`, 'an event of its stream is not JSON'],
    ['data that is JSON but no object', `${chunk('hello ')}data: "key ${KEY}"\n\ndata: [DONE]\n\n`, 'an event of its stream is not a JSON object'],
    ['a JSON body sent as a stream', `${chatAnswer(`key ${KEY}`)}\n`, 'a line of its stream is no SSE field'],
  ])('%s ends the stream with an error event under redact and block, at every split', (_name, input, why) => {
    const before = input.startsWith('data:') ? chunk('hello ') : '';
    for (const action of ['redact', 'block'] as const) {
      for (let at = 0; at <= input.length; at++) {
        expect({ action, at, out: through(action, input, at) }).toEqual({ action, at, out: before + ended(why) });
      }
    }
  });

  test('monitor passes what it cannot read; comments, retry lines and empty data are read fine', () => {
    const odd = `data: key ${KEY}\n\n`;
    expect(through('monitor', odd, 3)).toBe(odd);
    const ordinary = `: ping\n\nretry: 1000\n\ndata: \n\n${chunk('hi')}data: [DONE]\n\n`;
    for (let at = 0; at <= ordinary.length; at++) {
      const out = through('redact', ordinary, at);
      expect({ at, refused: out.includes('guardrail_unreadable_response'), start: out.startsWith(': ping\n\nretry: 1000\n\ndata: \n\n'), end: out.endsWith('data: [DONE]\n\n') }).toEqual({ at, refused: false, start: true, end: true });
    }
  });
});

describe('GuardrailRun.streamGuard: provider errors inside a stream', () => {
  const cases = [
    ['openai-chat', 'openai', (message: string) => `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`],
    ['anthropic-messages', 'anthropic', (message: string) => `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message } })}\n\n`],
    ['openai-responses', 'openai', (message: string) => `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message, param: null, sequence_number: 4 })}\n\n`],
    [
      'openai-responses',
      'openai',
      (message: string) =>
        `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 2, response: { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'server_error', message } } })}\n\n`,
    ],
  ] as const;

  function through(action: 'redact' | 'block', api: (typeof cases)[number][0], shape: 'openai' | 'anthropic', input: string, at: number): string {
    const guard = runUnder(action).streamGuard(api, shape);
    if (!guard) throw new Error('no stream guard');
    const bytes = Buffer.from(input);
    return Buffer.concat([guard.push(bytes.subarray(0, at), false), guard.push(bytes.subarray(at), true)]).toString('utf8');
  }

  test.each(cases)('%s: an error event echoing the prompt is redacted, at every split', (api, shape, errorEvent) => {
    const input = errorEvent('Bad request: "mail jane.doe@example.com"');
    for (let at = 0; at <= input.length; at++) {
      expect({ at, out: through('redact', api, shape, input, at) }).toEqual({ at, out: errorEvent('Bad request: "mail [EMAIL_1]"') });
    }
  });

  test.each(cases)('%s: an error event echoing a key is blocked under block, at every split', (api, shape, errorEvent) => {
    const input = errorEvent(`credential ${KEY} refused`);
    for (let at = 0; at <= input.length; at++) {
      const out = through('block', api, shape, input, at);
      expect({ at, leaked: out.includes(KEY), blocked: out.includes('detector \\"aws_access_key\\" matched') }).toEqual({ at, leaked: false, blocked: true });
    }
  });
});

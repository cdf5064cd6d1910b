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

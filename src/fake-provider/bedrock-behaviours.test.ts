import { EventStreamDecoder } from '../providers/bedrock/eventstream-decoder';
import { defaultBehaviour } from './behaviours';
import type { Behaviour, RecordedRequest } from './behaviours';
import { FakeProvider } from './fake-provider';

const CONTEXT = { name: 'bed', nextCompletionId: () => 'resp-1', nextMessageId: () => 'msg_1' };
const BODY = { system: [{ text: 'Be brief.' }], messages: [{ role: 'user', content: [{ text: 'hello there' }] }] };
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
  'Signature=c0221ba617122eaf2540ca813bb3caa66a0e1f0227cebf241b817bc0840a81aa';

/** A recorded POST; `authorization` null sends none. */
function request(path: string, authorization: string | null = SIGNED, json: unknown = BODY): RecordedRequest {
  return { method: 'POST', path, headers: authorization === null ? {} : { authorization }, body: JSON.stringify(json), json, receivedAt: 0 };
}

describe('Bedrock defaults', () => {
  test('/converse answers a Converse response with usage (2 + 2 words, + 3 for the one message)', () => {
    expect(defaultBehaviour(request('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse'), CONTEXT)).toEqual({
      kind: 'json',
      status: 200,
      body: {
        output: { message: { role: 'assistant', content: [{ text: 'Hello from bed' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 7, outputTokens: 4, totalTokens: 11 },
        metrics: { latencyMs: 1 },
      },
    });
  });

  test('/converse-stream answers event stream frames with valid CRCs', () => {
    const behaviour = defaultBehaviour(request('/prefix/model/m/converse-stream'), CONTEXT) as Extract<Behaviour, { kind: 'raw-sse' }>;
    expect(behaviour.kind).toBe('raw-sse');
    expect(behaviour.contentType).toBe('application/vnd.amazon.eventstream');
    const frames = new EventStreamDecoder().push(Buffer.concat(behaviour.chunks.map((chunk) => Buffer.from(chunk))));
    expect(frames.map((frame) => frame.headers[':event-type'])).toEqual([
      'messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata',
    ]);
    expect(frames.every((frame) => frame.headers[':message-type'] === 'event')).toBe(true);
    const payloads = frames.map((frame) => JSON.parse(frame.payload) as { delta?: { text: string }; usage?: unknown });
    expect(payloads.map((payload) => payload.delta?.text ?? '').join('')).toBe('Hello from bed');
    expect(payloads[6]).toEqual({ usage: { inputTokens: 7, outputTokens: 4, totalTokens: 11 }, metrics: { latencyMs: 1 } });
  });

  test('an unsigned request (or one signed for another service) is a 403', () => {
    const denied = { kind: 'json', status: 403, body: { message: 'missing signature' }, headers: { 'x-amzn-errortype': 'AccessDeniedException' } };
    expect(defaultBehaviour(request('/model/m/converse', null), CONTEXT)).toEqual(denied);
    expect(defaultBehaviour(request('/model/m/converse', 'Bearer abc'), CONTEXT)).toEqual(denied);
    expect(defaultBehaviour(request('/model/m/converse', SIGNED.replace('/bedrock/', '/s3/')), CONTEXT)).toEqual(denied);
  });

  test('a body without messages gets a ValidationException', () => {
    expect(defaultBehaviour(request('/model/m/converse', SIGNED, { contents: [] }), CONTEXT)).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'ValidationException' } });
  });

  test('served over HTTP: the stream has the eventstream content type', async () => {
    const provider = await FakeProvider.start({ name: 'bed' });
    try {
      const response = await fetch(`${provider.url}/model/m/converse-stream`, { method: 'POST', headers: { authorization: SIGNED }, body: JSON.stringify(BODY) });
      expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
      const frames = new EventStreamDecoder().push(Buffer.from(await response.arrayBuffer()));
      expect(frames).toHaveLength(7);
    } finally {
      await provider.close();
    }
  });
});

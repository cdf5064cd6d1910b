import { defaultBehaviour } from './behaviours';
import type { Behaviour, RecordedRequest } from './behaviours';

const CONTEXT = { name: 'gem', nextCompletionId: () => 'resp-1', nextMessageId: () => 'msg_1' };
const BODY = { systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'hello there' }] }] };

function request(path: string, json: unknown = BODY): RecordedRequest {
  return { method: 'POST', path, headers: {}, body: JSON.stringify(json), json, receivedAt: 0 };
}

describe('Gemini defaults', () => {
  test(':generateContent answers a GenerateContentResponse with usageMetadata', () => {
    expect(defaultBehaviour(request('/v1beta/models/gemini-2.5-flash:generateContent'), CONTEXT)).toEqual({
      kind: 'json',
      status: 200,
      body: {
        candidates: [{ content: { parts: [{ text: 'Hello from gem' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        // 2 + 2 words, + 3 for the one content
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 4, totalTokenCount: 11 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'resp-1',
      },
    });
  });

  test(':streamGenerateContent?alt=sse streams one event per word, the last with finishReason and usage', () => {
    const behaviour = defaultBehaviour(request('/prefix/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'), CONTEXT) as Extract<Behaviour, { kind: 'sse' }>;
    expect(behaviour.kind).toBe('sse');
    const events = behaviour.events.map((event) => JSON.parse(event) as { candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason?: string }>; usageMetadata: unknown });
    expect(events.map((event) => event.candidates[0].content.parts[0].text).join('')).toBe('Hello from gem');
    expect(events.map((event) => event.candidates[0].finishReason)).toEqual([undefined, undefined, 'STOP']);
    expect(events[2].usageMetadata).toEqual({ promptTokenCount: 7, candidatesTokenCount: 4, totalTokenCount: 11 });
    expect(events[0].usageMetadata).toEqual({ promptTokenCount: 7, totalTokenCount: 7 });
  });

  test('a body without contents gets Google\'s 400 shape', () => {
    expect(defaultBehaviour(request('/v1beta/models/m:generateContent', { messages: [] }), CONTEXT)).toEqual({
      kind: 'json',
      status: 400,
      body: { error: { code: 400, message: 'Invalid JSON payload received. Expected an object with "contents".', status: 'INVALID_ARGUMENT' } },
    });
  });
});

describe('Gemini embeddings default', () => {
  test(':batchEmbedContents answers FAKE_EMBEDDING per request, cut to outputDimensionality, without usage', () => {
    const body = { requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } }, { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 2 }] };
    expect(defaultBehaviour(request('/v1beta/models/gemini-embedding-001:batchEmbedContents', body), CONTEXT)).toEqual({
      kind: 'json',
      status: 200,
      body: { embeddings: [{ values: [0.1, 0.2, 0.3] }, { values: [0.1, 0.2] }] },
    });
  });

  test('a request naming another model is Gemini 400', () => {
    const body = { requests: [{ model: 'models/other', content: { parts: [{ text: 'a' }] } }] };
    expect(defaultBehaviour(request('/v1beta/models/gemini-embedding-001:batchEmbedContents', body), CONTEXT)).toMatchObject({ kind: 'json', status: 400 });
  });
});

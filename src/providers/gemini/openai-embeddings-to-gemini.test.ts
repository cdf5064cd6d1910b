import { parseClientRequest } from '../../api/client-request';
import { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { backend, fixtureBytes, fixtureJson } from './__fixtures__/fixture-support';
import { OpenAIEmbeddingsToGemini } from './openai-embeddings-to-gemini';

function embeddings(body: object, upstreamModel: string | undefined = 'gemini-embedding-001', backendName = 'gemini'): OpenAIEmbeddingsToGemini {
  return new OpenAIEmbeddingsToGemini(parseClientRequest('openai-embeddings', Buffer.from(JSON.stringify(body))), { backend: backend(backendName), upstreamModel });
}

function refusal(body: object): GatewayError {
  try {
    embeddings(body).requestBody();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('not refused');
}

const REQUEST = fixtureJson('embeddings.openai-request.json') as Record<string, unknown>;

describe('OpenAI embeddings → Gemini batchEmbedContents', () => {
  test('golden request: path, key header and body', () => {
    const translator = embeddings(REQUEST);
    const upstream = translator.requestBody();
    expect(upstream.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-test' });
    expect(JSON.parse(upstream.body.toString('utf8'))).toEqual(fixtureJson('embeddings.gemini-request.json'));
    expect(translator.warnings).toEqual([]);
  });

  test('a single string, no options, a baseUrl path prefix', () => {
    const upstream = embeddings({ model: 'm', input: 'hi' }, 'm', 'proxy').requestBody();
    expect(upstream.path).toBe('/google/v1beta/models/m:batchEmbedContents');
    expect(JSON.parse(upstream.body.toString('utf8'))).toEqual({ requests: [{ model: 'models/m', content: { parts: [{ text: 'hi' }] } }] });
  });

  test('golden response, float', () => {
    const translator = embeddings(REQUEST);
    translator.requestBody();
    const output = translator.responseBody(fixtureBytes('embeddings.gemini-response.json'), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson('embeddings.openai-response.json'));
    // Gemini counts no tokens for embeddings: no usage rather than an estimate.
    expect(translator.usage()).toBeUndefined();
  });

  test('golden response, base64: little-endian float32 as OpenAI sends it', () => {
    const translator = embeddings({ ...REQUEST, encoding_format: 'base64' });
    translator.requestBody();
    const body = fixtureBytes('embeddings.gemini-response.json');
    expect(translator.responseBody(body.subarray(0, 10), false)).toEqual(Buffer.alloc(0));
    const output = JSON.parse(translator.responseBody(body.subarray(10), true).toString('utf8')) as { data: Array<{ embedding: string }> };
    expect(output).toEqual(fixtureJson('embeddings-base64.openai-response.json'));
    const decoded = Buffer.from(output.data[0].embedding, 'base64');
    expect([0, 1, 2, 3].map((index) => decoded.readFloatLE(index * 4))).toEqual([0.5, -0.25, 0.125, 1]);
  });

  test('usageMetadata, if Gemini sends it, becomes usage', () => {
    const translator = embeddings({ model: 'm', input: 'a' });
    translator.requestBody();
    const output = JSON.parse(translator.responseBody(Buffer.from('{"embeddings":[{"values":[1]}],"usageMetadata":{"promptTokenCount":3}}'), true).toString('utf8')) as Record<string, unknown>;
    expect(output.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(translator.usage()).toEqual({ inputTokens: 3, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 3 });
  });

  test('a body with the wrong number of embeddings, or not a response, is an OpenAI error', () => {
    const translator = embeddings({ model: 'm', input: ['a', 'b'] });
    translator.requestBody();
    expect(JSON.parse(translator.responseBody(Buffer.from('{"embeddings":[{"values":[1]}]}'), true).toString('utf8'))).toEqual({
      error: { message: 'upstream returned a body that is not a Gemini embeddings response', type: 'server_error', param: null, code: 'INTERNAL' },
    });
  });

  test('errors become OpenAI errors', () => {
    const body = Buffer.from(JSON.stringify({ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }));
    expect(JSON.parse(embeddings(REQUEST).responseError(400, body).toString('utf8'))).toEqual({
      error: { message: 'bad', type: 'invalid_request_error', param: null, code: 'INVALID_ARGUMENT' },
    });
  });

  test('options Gemini cannot honour are dropped with a warning', () => {
    const translator = embeddings({ model: 'm', input: 'a', user: 'u1' });
    translator.requestBody();
    expect(translator.warnings).toEqual(['dropped user: not supported by gemini']);
  });

  const refused: Array<[string, object, string | null, string]> = [
    ['token ids', { model: 'm', input: [1, 2, 3] }, 'input', 'input: token arrays cannot be sent to a gemini backend; send the text instead.'],
    ['arrays of token ids', { model: 'm', input: [[1, 2]] }, 'input', 'input: token arrays cannot be sent to a gemini backend; send the text instead.'],
    ['an empty array', { model: 'm', input: [] }, 'input', 'input must be a non-empty string or a non-empty array of strings.'],
    ['an empty string in the array', { model: 'm', input: ['a', ''] }, 'input[1]', 'input[1] must not be empty.'],
    ['a bad encoding', { model: 'm', input: 'a', encoding_format: 'int8' }, 'encoding_format', "encoding_format must be 'float' or 'base64'."],
    ['bad dimensions', { model: 'm', input: 'a', dimensions: 0 }, 'dimensions', 'dimensions must be a positive integer.'],
  ];
  test.each(refused)('400 for %s', (_name, body, param, message) => {
    const error = refusal(body);
    expect({ status: error.status, type: error.type, param: error.param, message: error.message }).toEqual({ status: 400, type: 'invalid_request_error', param, message });
  });

  test('the registry picks this translator for gemini backends', () => {
    const request = parseClientRequest('openai-embeddings', Buffer.from('{"model":"m","input":"a"}'));
    expect(createTranslator(request, { backend: backend('gemini') })).toBeInstanceOf(OpenAIEmbeddingsToGemini);
  });
});

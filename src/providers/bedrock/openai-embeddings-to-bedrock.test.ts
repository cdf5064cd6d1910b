import { parseClientRequest } from '../../api/client-request';
import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import type { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { OpenAIEmbeddingsToBedrock } from './openai-embeddings-to-bedrock';

const CONFIG = compileConfig(
  validateConfig({
    backends: [{ name: 'bedrock', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: { accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' } } }],
    models: [{ name: 'embed', backends: [{ backend: 'bedrock' }] }],
    callers: [],
  }),
  { AK: 'AKIDEXAMPLE', SK: 'secret' },
);
const backend = CONFIG.backends.get('bedrock')!;
const translator = (body: object, model: string) => new OpenAIEmbeddingsToBedrock(parseClientRequest('openai-embeddings', Buffer.from(JSON.stringify({ model: 'embed', ...body }))), { backend, upstreamModel: model });
const upstreamJson = async (body: object, model: string) => JSON.parse((await translator(body, model).requestBody()).body.toString()) as unknown;
async function refusal(body: object, model: string): Promise<GatewayError> {
  return translator(body, model).requestBody().then(
    () => {
      throw new Error('not refused');
    },
    (error: unknown) => error as GatewayError,
  );
}

describe('OpenAI embeddings → Bedrock InvokeModel', () => {
  test('request bodies per model family, at /model/{id}/invoke', async () => {
    expect(await upstreamJson({ input: 'hello there', dimensions: 512 }, 'amazon.titan-embed-text-v2:0')).toEqual({ inputText: 'hello there', dimensions: 512, normalize: true });
    expect(await upstreamJson({ input: ['hello'] }, 'amazon.titan-embed-text-v1')).toEqual({ inputText: 'hello' });
    expect(await upstreamJson({ input: ['a', 'b'], input_type: 'search_query' }, 'cohere.embed-english-v3')).toEqual({ texts: ['a', 'b'], input_type: 'search_query' });
    expect(await upstreamJson({ input: ['a'], dimensions: 256 }, 'us.cohere.embed-v4:0')).toEqual({ texts: ['a'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 });
    const upstream = await translator({ input: 'x' }, 'amazon.titan-embed-text-v2:0').requestBody();
    expect(upstream.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(upstream.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  });

  test('what cannot be honoured is a 400, never a silent change', async () => {
    expect((await refusal({ input: ['a', 'b'] }, 'amazon.titan-embed-text-v2:0')).message).toBe('input: Amazon Titan embeds one text per request; send 2 requests, or use a Cohere model for batches.');
    expect((await refusal({ input: 'a', dimensions: 300 }, 'amazon.titan-embed-text-v2:0')).message).toBe('dimensions: 300 is not available for this bedrock model (256, 512 or 1024).');
    expect((await refusal({ input: 'a', dimensions: 256 }, 'cohere.embed-english-v3')).message).toBe('dimensions: 256 is not available for this bedrock model (Cohere Embed v3 has a fixed size).');
    expect((await refusal({ input: [1, 2, 3] }, 'cohere.embed-english-v3')).message).toBe('input: token arrays cannot be sent to a bedrock backend; send the text instead.');
    expect((await refusal({ input: 'a' }, 'amazon.nova-pro-v1:0')).message).toBe('Backend "bedrock" (bedrock) embeds with Amazon Titan Text Embeddings or Cohere Embed models, not amazon.nova-pro-v1:0.');
  });

  test('answers become OpenAI embedding lists: Titan with usage, Cohere v3 and v4 without, base64 on request', async () => {
    const titan = translator({ input: 'hello there' }, 'amazon.titan-embed-text-v2:0');
    await titan.requestBody();
    expect(JSON.parse(titan.responseBody(Buffer.from('{"embedding":[0.5,-0.25],"inputTextTokenCount":3}'), true).toString())).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }],
      model: 'embed',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    expect(titan.usage()).toEqual({ inputTokens: 3, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 3 });
    const cohere = translator({ input: ['a', 'b'], encoding_format: 'base64' }, 'cohere.embed-multilingual-v3');
    await cohere.requestBody();
    const listed = JSON.parse(cohere.responseBody(Buffer.from('{"id":"x","embeddings":[[0.5],[1]],"response_type":"embeddings_floats","texts":["a","b"]}'), true).toString()) as { data: Array<{ embedding: string }>; usage?: unknown };
    expect(listed.data.map((item) => item.embedding)).toEqual([Buffer.from(new Float32Array([0.5]).buffer).toString('base64'), Buffer.from(new Float32Array([1]).buffer).toString('base64')]);
    expect(listed.usage).toBeUndefined();
    expect(cohere.usage()).toBeUndefined();
    // With Bedrock's token-count header, Cohere's usage is known.
    const counted = translator({ input: ['a', 'b'] }, 'cohere.embed-multilingual-v3');
    await counted.requestBody();
    counted.responseHeaders(new Map([[':status', '200'], ['x-amzn-bedrock-input-token-count', '7']]));
    expect(JSON.parse(counted.responseBody(Buffer.from('{"id":"x","embeddings":[[0.5],[1]],"response_type":"embeddings_floats"}'), true).toString()).usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(counted.usage()?.inputTokens).toBe(7);
    const v4 = translator({ input: ['a'] }, 'cohere.embed-v4:0');
    await v4.requestBody();
    expect(JSON.parse(v4.responseBody(Buffer.from('{"id":"x","embeddings":{"float":[[0.75]]},"response_type":"embeddings_by_type"}'), true).toString()).data).toEqual([{ object: 'embedding', index: 0, embedding: [0.75] }]);
  });

  test('the registry sends embeddings on any bedrock backend here', () => {
    expect(createTranslator(parseClientRequest('openai-embeddings', Buffer.from('{"model":"embed","input":"x"}')), { backend })).toBeInstanceOf(OpenAIEmbeddingsToBedrock);
  });
});

import { parseClientRequest } from '../../api/client-request';
import type { ClientRequest } from '../../api/client-request';
import { AnthropicToOpenAI } from '../openai/anthropic-to-openai';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { OpenAIToBedrock } from './openai-to-bedrock';
import type { BedrockTranslatorOptions } from './openai-to-bedrock';

/**
 * Anthropic Messages client → Bedrock Converse / ConverseStream, for any Bedrock model
 * (Claude models are better served with `api: invoke`, which keeps Anthropic's body whole).
 * Composed of the two tested translations through OpenAI chat: the Messages request becomes
 * an OpenAI chat request (AnthropicToOpenAI) and that a Converse request (OpenAIToBedrock);
 * answers go back the same way, cache_control breakpoints kept for Converse's cache points.
 * What the middle step cannot carry is said in warnings: thinking signatures and top_k,
 * for instance, do not reach Converse.
 */
export class AnthropicToBedrock implements Translator {
  private readonly outer: AnthropicToOpenAI;
  private inner: OpenAIToBedrock | undefined;

  constructor(
    request: ClientRequest,
    private readonly target: AttemptTarget,
    private readonly options: BedrockTranslatorOptions = {},
  ) {
    // The middle step asks for stream usage, so the Anthropic stream gets its counts.
    // cache_control is kept on the way through, for Converse's cache points.
    this.outer = new AnthropicToOpenAI(request, { backend: { ...target.backend, kind: 'openai', streamIncludeUsage: true }, upstreamModel: target.upstreamModel }, Date.now, true);
  }

  get warnings(): readonly string[] {
    return [...this.outer.warnings, ...(this.inner?.warnings ?? [])];
  }

  async requestBody(): Promise<UpstreamRequest> {
    const chat = parseClientRequest('openai-chat', this.outer.requestBody().body);
    this.inner = new OpenAIToBedrock(chat, this.target, this.options);
    return this.inner.requestBody();
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    const openai = this.inner?.responseBody(chunk, endOfStream) ?? chunk;
    return this.outer.responseBody(openai, endOfStream) ?? openai;
  }

  responseError(status: number, body: Buffer): Buffer {
    return this.outer.responseError(status, this.inner?.responseError(status, body) ?? body);
  }

  usage(): TokenUsage | undefined {
    return this.inner?.usage() ?? this.outer.usage();
  }
}


import { parseClientRequest } from '../../api/client-request';
import type { ClientRequest } from '../../api/client-request';
import { AnthropicToOpenAI } from '../openai/anthropic-to-openai';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { isRecord } from '../anthropic/json-guards';
import { OpenAIToBedrock } from './openai-to-bedrock';
import type { BedrockTranslatorOptions } from './openai-to-bedrock';

/**
 * Anthropic Messages client → Bedrock Converse / ConverseStream, for any Bedrock model
 * (Claude models are better served with `api: invoke`, which keeps Anthropic's body whole).
 * Composed of the two tested translations through OpenAI chat: the Messages request becomes
 * an OpenAI chat request (AnthropicToOpenAI) and that a Converse request (OpenAIToBedrock);
 * answers go back the same way. What the middle step cannot carry is said in warnings:
 * thinking signatures and top_k, for instance, do not reach Converse.
 */
export class AnthropicToBedrock implements Translator {
  private readonly outer: AnthropicToOpenAI;
  private inner: OpenAIToBedrock | undefined;
  private readonly extraWarnings: string[] = [];

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    private readonly options: BedrockTranslatorOptions = {},
  ) {
    // The middle step asks for stream usage, so the Anthropic stream gets its counts.
    this.outer = new AnthropicToOpenAI(request, { backend: { ...target.backend, kind: 'openai', streamIncludeUsage: true }, upstreamModel: target.upstreamModel });
  }

  get warnings(): readonly string[] {
    // The OpenAI step's note on cache_control does not apply: breakpoints are carried (or warned about) here.
    const outer = this.outer.warnings.filter((warning) => !warning.startsWith('dropped cache_control'));
    return [...outer, ...(this.inner?.warnings ?? []), ...this.extraWarnings];
  }

  async requestBody(): Promise<UpstreamRequest> {
    const openai = JSON.parse(this.outer.requestBody().body.toString('utf8')) as Record<string, unknown>;
    const dropped = carryCacheBreakpoints(this.request.body, openai);
    const chat = parseClientRequest('openai-chat', Buffer.from(JSON.stringify(openai)));
    this.inner = new OpenAIToBedrock(chat, this.target, this.options);
    const upstream = await this.inner.requestBody();
    if (dropped) this.extraWarnings.push('dropped cache_control on message content: Converse gets cache points for system and tools only here (use api: invoke for Claude models)');
    return upstream;
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

const hasBreakpoint = (value: unknown): boolean => isRecord(value) && isRecord(value.cache_control);

/**
 * The OpenAI step drops Anthropic's cache_control (OpenAI caches by itself); Converse has cache
 * points, so breakpoints on the system prompt and on tools are put back on the OpenAI body,
 * where the Converse conversion turns them into cachePoint blocks. Returns whether message
 * content carried breakpoints that cannot be placed exactly (the caller warns).
 */
function carryCacheBreakpoints(anthropic: Readonly<Record<string, unknown>>, openai: Record<string, unknown>): boolean {
  const messages = Array.isArray(openai.messages) ? (openai.messages as Array<Record<string, unknown>>) : [];
  const system = messages.find((message) => message.role === 'system');
  if (system && Array.isArray(anthropic.system) && anthropic.system.some(hasBreakpoint) && typeof system.content === 'string') {
    system.content = [{ type: 'text', text: system.content, cache_control: { type: 'ephemeral' } }];
  }
  if (Array.isArray(anthropic.tools) && Array.isArray(openai.tools) && anthropic.tools.length === openai.tools.length) {
    anthropic.tools.forEach((tool: unknown, index) => {
      const converted = (openai.tools as unknown[])[index];
      if (hasBreakpoint(tool) && isRecord(converted)) converted.cache_control = { type: 'ephemeral' };
    });
  }
  const anthropicMessages = Array.isArray(anthropic.messages) ? anthropic.messages : [];
  return anthropicMessages.some((message: unknown) => isRecord(message) && Array.isArray(message.content) && message.content.some(hasBreakpoint));
}

import type { ClientRequest } from '../../api/client-request';
import { withoutUnsignedThinking } from '../anthropic/anthropic-to-anthropic';
import { emptyCounts, readAnthropicUsage, toTokenUsage } from '../anthropic/convert-anthropic-usage';
import { parseJson } from '../anthropic/json-guards';
import { THINKING_NEEDS_SIGNED_TURN_WARNING, asksForThinking, thinkingCannotContinue } from '../anthropic/thinking-continuation';
import { withAnthropicToolIdsIn } from '../history-ids';
import { SseDecoder } from '../sse';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { invokePath, toInvokeBody } from './bedrock-claude';
import { UNSIGNED_THINKING_WARNING } from './convert-anthropic-messages-to-bedrock';
import { convertBedrockErrorToAnthropic, readBedrockErrorMessage } from './convert-bedrock-error';
import { InvokeStreamToSse } from './invoke-stream-to-sse';
import { signBedrockRequest } from './sign-bedrock-request';

/**
 * Anthropic Messages client → an Anthropic model on Bedrock through InvokeModel: the client's
 * body with the model moved to the path and `anthropic_version` into the body, signed with
 * SigV4. A whole answer is already an Anthropic message and passes through; a stream's
 * event stream frames are re-framed as the SSE events the client's SDK reads. Usage is read
 * from message_start and message_delta (cumulative, counted once).
 */
export class AnthropicToBedrockClaude implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly frames: InvokeStreamToSse | undefined;
  private readonly decoder: SseDecoder;
  private readonly counts = emptyCounts();
  private readonly bodyChunks: Buffer[] = [];
  private sawUsage = false;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.frames = request.stream ? new InvokeStreamToSse(target.maxStreamEventBytes) : undefined;
    // Reads the frames' events re-framed as SSE: each no larger than the frame it came in.
    this.decoder = new SseDecoder({ maxEventBytes: target.maxStreamEventBytes });
  }

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const modelId = upstreamModel ?? this.request.model;
    const path = invokePath(backend, modelId, this.frames !== undefined);
    // Claude on Bedrock, like Anthropic, rejects replayed thinking blocks without the model's signature.
    const messages = withoutUnsignedThinking(this.request.body.messages);
    const warnings = messages !== this.request.body.messages ? [UNSIGNED_THINKING_WARNING] : [];
    // Claude on Bedrock reads the Messages body, so Anthropic's tool_use id pattern applies.
    const sent: Record<string, unknown> = { ...this.request.body, messages: withAnthropicToolIdsIn(messages) };
    if (asksForThinking(sent.thinking) && thinkingCannotContinue(messages)) {
      delete sent.thinking;
      warnings.push(THINKING_NEEDS_SIGNED_TURN_WARNING);
    }
    this.warnings.splice(0, this.warnings.length, ...warnings);
    const body = JSON.stringify(toInvokeBody(sent));
    const headers = await signBedrockRequest({ backend, path, body, stream: this.frames !== undefined, signingDate: this.now() });
    return { path, headers, body: Buffer.from(body) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    if (this.frames) {
      const sse = this.frames.push(chunk, endOfStream);
      for (const event of this.decoder.push(Buffer.from(sse))) this.readEvent(event.data);
      return Buffer.from(sse);
    }
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const body = Buffer.concat(this.bodyChunks);
    this.bodyChunks.length = 0;
    const parsed = parseJson(body.toString('utf8')) as { type?: unknown; usage?: unknown } | undefined;
    if (parsed?.type === 'message') {
      this.read(parsed.usage);
      return body;
    }
    this.failedResponse = true;
    const message = readBedrockErrorMessage(parsed) ?? 'upstream returned a body that is not an Anthropic message';
    return Buffer.from(JSON.stringify({ type: 'error', error: { type: 'api_error', message } }));
  }

  responseError(status: number, body: Buffer): Buffer | undefined {
    // Bedrock errors are {"message": "..."}; the client reads Anthropic's shape.
    return convertBedrockErrorToAnthropic(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.sawUsage ? toTokenUsage(this.counts) : undefined;
  }

  private readEvent(data: string | undefined): void {
    if (!data || !data.includes('usage')) return;
    const parsed = parseJson(data) as { type?: string; message?: { usage?: unknown }; usage?: unknown } | undefined;
    if (parsed?.type === 'message_start') this.read(parsed.message?.usage);
    else if (parsed?.type === 'message_delta') this.read(parsed.usage);
  }

  private read(usage: unknown): void {
    if (readAnthropicUsage(usage, this.counts)) this.sawUsage = true;
  }
}

import type * as Tokenizer from 'gpt-tokenizer';
import type { ClientRequest } from '../api/client-request';
import type { RuntimeModelBackend } from '../config/runtime';
import type { Price } from '../pricing/price-table';
import { reservedInputTokens } from './input-margins';
import { outputCap } from './output-cap';


let loaded: typeof Tokenizer | undefined;

/**
 * The o200k tokenizer, loaded on first use: its tables take ~70 MB, which a gateway that
 * never estimates a prompt (no token limits or budgets, no prompt-size routing) never pays.
 */
function tokenizer(): typeof Tokenizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous lazy load; import() would make every estimate async
  loaded ??= require('gpt-tokenizer') as typeof Tokenizer;
  return loaded;
}

/** Tokens counted for an image or other inline data: tokenizing base64 would count its bytes, not its cost. */
const INLINE_DATA_TOKENS = 1600;
/** Per-message framing (role, separators) that providers add to the prompt. */
const MESSAGE_OVERHEAD_TOKENS = 4;
/** Keys whose string values are structure, not prompt text. */
const STRUCTURAL_KEYS = new Set(['type', 'role', 'model', 'id', 'tool_call_id', 'tool_use_id', 'cache_control', 'detail', 'media_type', 'format']);
/**
 * Request fields that are definitions the provider renders into the prompt (tools, output
 * schemas): counted as their whole JSON, keys and types included, since the model reads
 * those too. OpenAI renders schemas more tersely, so this errs high there.
 */
const SCHEMA_KEYS = new Set(['tools', 'functions', 'response_format', 'text', 'output_config']);
/** Request fields that are options, not prompt. */
const OPTION_KEYS = new Set(['model', 'stream', 'stream_options', 'temperature', 'top_p', 'top_k', 'n', 'seed', 'user', 'metadata', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'reasoning_effort', 'encoding_format', 'dimensions', 'store', 'service_tier', 'parallel_tool_calls', 'logprobs', 'top_logprobs', 'stop', 'stop_sequences', 'presence_penalty', 'frequency_penalty']);

/** What a request reserves on admission, before its real usage is known. */
export interface Reservation {
  /** The prompt's o200k count, before margins. */
  readonly promptTokens: number;
  /** Prompt tokens reserved: the count with the largest margin among the model's backends. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly tokens: number;
  /** Micro-dollars at the model's highest price; 0 when the model has no price. */
  readonly usdMicros: number;
}

/** The prompt's strings (and counts of inline data and messages), walking the JSON once. */
function collect(value: unknown, key: string, texts: string[], counts: { inline: number; tokenIds: number }): void {
  if (typeof value === 'string') {
    if (value.startsWith('data:') || (key === 'data' && value.length > 256)) counts.inline += 1;
    else if (!STRUCTURAL_KEYS.has(key)) texts.push(value);
  } else if (Array.isArray(value)) {
    // Embeddings and legacy completions may send token ids: each number is one token.
    if ((key === 'input' || key === 'prompt') && value.every((item) => typeof item === 'number')) counts.tokenIds += value.length;
    else for (const item of value) collect(item, key, texts, counts);
  } else if (typeof value === 'object' && value !== null) {
    for (const [childKey, child] of Object.entries(value)) collect(child, childKey, texts, counts);
  }
}

/** A text's tokens, counted with the o200k tokenizer (special-token text is just text). */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : tokenizer().countTokens(text, { disallowedSpecial: new Set() });
}

/** The prompt's tokens, counted with the o200k tokenizer (an estimate for other providers' tokenizers). */
export function estimateInputTokens(request: ClientRequest): number {
  const texts: string[] = [];
  const counts = { inline: 0, tokenIds: 0 };
  for (const [key, value] of Object.entries(request.body)) {
    if (SCHEMA_KEYS.has(key)) texts.push(JSON.stringify(value));
    else if (!OPTION_KEYS.has(key)) collect(value, key, texts, counts);
  }
  const messages = request.body.messages;
  const overhead = Array.isArray(messages) ? messages.length * MESSAGE_OVERHEAD_TOKENS : 0;
  // Special-token text in a prompt is just text here: count it, never throw.
  const tokens = countTextTokens(texts.join('\n'));
  return tokens + overhead + counts.inline * INLINE_DATA_TOKENS + counts.tokenIds;
}

/** What a reservation is computed from, besides the request. */
export interface ReservationBasis {
  /** The backends that may serve the request (a failover may land on any). */
  readonly backends: readonly RuntimeModelBackend[];
  readonly defaultOutputTokens: number;
  /** `rateLimits.inputMargins`: margins by backend name. */
  readonly inputMargins: ReadonlyMap<string, number>;
  /** Each token kind at its highest price among the backends; undefined: not priced. */
  readonly price: Price | undefined;
}

/**
 * The reservation, an upper bound of what any backend of the model can charge: prompt tokens
 * with their margin, plus the output cap; in micro-dollars, every prompt token at the dearest
 * input price (a cache write can cost more than plain input) and every output token at the
 * dearer of output and reasoning.
 */
export function reservationFor(request: ClientRequest, basis: ReservationBasis): Reservation {
  const promptTokens = estimateInputTokens(request);
  const inputTokens = reservedInputTokens(request, promptTokens, basis.backends, basis.inputMargins);
  const outputTokens = outputCap(request, basis.backends, basis.defaultOutputTokens);
  const price = basis.price;
  const inputPrice = price ? Math.max(price.input, price.cachedInput, price.cacheWrite) : 0;
  const usdMicros = price ? Math.ceil(inputTokens * inputPrice + outputTokens * Math.max(price.output, price.reasoning) - 1e-9) : 0;
  return { promptTokens, inputTokens, outputTokens, tokens: inputTokens + outputTokens, usdMicros: Math.max(0, usdMicros) };
}

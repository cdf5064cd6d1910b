import { invalidRequest } from '../../errors';
import type { AnthropicRequest } from './anthropic-types';
import { isSet } from './json-guards';

/** The API version that rejects every sampling option with 400, even at defaults (PROVIDER-NOTES). */
const SAMPLING_FREE_VERSION = '2026-10-21';
const SAMPLING_OPTIONS = ['temperature', 'top_p', 'top_k'] as const;

/** Anthropic's sampling fields, as sent. */
export type SamplingOptions = Pick<AnthropicRequest, (typeof SAMPLING_OPTIONS)[number]>;

/** What changes which sampling options Anthropic takes. */
export interface SamplingContext {
  readonly anthropicVersion: string;
  readonly thinking: boolean;
}

/**
 * Why Anthropic would refuse a sampling value, or undefined when it takes it. With extended
 * thinking on, temperature must stay 1, top_k unset and top_p within 0.95–1 (extended-thinking
 * guide, "Feature compatibility").
 */
function refusal(option: (typeof SAMPLING_OPTIONS)[number], value: number, context: SamplingContext): string | undefined {
  if (context.anthropicVersion === SAMPLING_FREE_VERSION) return `anthropic-version ${SAMPLING_FREE_VERSION} rejects it`;
  if (!context.thinking) return undefined;
  if ((option === 'temperature' && value !== 1) || option === 'top_k' || (option === 'top_p' && value < 0.95)) {
    return 'anthropic does not allow it with extended thinking (reasoning_effort)';
  }
  return undefined;
}

/**
 * `temperature`, `top_p` and `top_k` (the last an extension some OpenAI clients send) as
 * Anthropic takes them. Values Anthropic would reject are dropped with a warning instead of
 * forwarding a certain 400; a temperature above Anthropic's range of 0 to 1 is clamped to 1.
 */
export function convertSamplingOptions(body: Readonly<Record<string, unknown>>, context: SamplingContext, warnings: string[]): SamplingOptions {
  const options: SamplingOptions = {};
  for (const option of SAMPLING_OPTIONS) {
    const value = body[option];
    if (!isSet(value)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${option} must be a number.`, option);
    const reason = refusal(option, value, context);
    if (reason !== undefined) {
      warnings.push(`dropped ${option}: ${reason}`);
      continue;
    }
    if (option === 'temperature' && value > 1) {
      // OpenAI's range is 0 to 2; Anthropic's is 0 to 1 (Messages API reference).
      warnings.push(`clamped temperature ${value} to 1: anthropic accepts 0 to 1`);
      options.temperature = 1;
      continue;
    }
    options[option] = value;
  }
  return options;
}

import type { ClientRequest } from '../api/client-request';
import type { RuntimeModelBackend } from '../config/runtime';
import { isAnthropicModelId } from '../providers/bedrock/convert-anthropic-request-to-bedrock';
import { isClaudeModel } from '../providers/vertex/on-vertex';

/**
 * Margins on the prompt's o200k count, by the tokenizer a backend's model uses. They are
 * margins, not measurements: providers do not publish their tokenizers, only hints.
 * - OpenAI: o200k is the tokenizer of GPT-4o and later models, so the count is theirs (older
 *   cl100k models count about the same for English text).
 * - Claude: a published comparison of Claude 3.5 Sonnet with GPT-4o on the same prompts found
 *   16% more tokens for English, 21% for math and 30% for code: 30%. Claude Opus 4.7 moved to
 *   a tokenizer reported to count up to 1.35 times what 4.6 did, so for it and later models
 *   set a larger margin (docs/rate-limits.md).
 * - Gemini: Google counts "about 4 characters per token", as o200k does, with another
 *   vocabulary whose counts differ by script and content: 20%.
 * - Anything else (an OpenAI-compatible server that is not OpenAI, Bedrock's other models):
 *   an unknown tokenizer, given Claude's margin.
 * `rateLimits.inputMargins` sets a backend's own.
 */
export const INPUT_MARGINS = { openai: 1, claude: 1.3, gemini: 1.2, unknown: 1.3 } as const;

/**
 * The tool-use system prompt Claude adds when a request has tools: 530 tokens, the largest
 * in Anthropic's table (Claude 3 Opus, tool_choice auto; newer models list fewer), on top of
 * the tool definitions themselves ("Tool use pricing and tokens").
 */
export const CLAUDE_TOOL_PROMPT_TOKENS = 530;

/** OpenAI's API hosts (api.openai.com and its regional hosts such as eu.api.openai.com). */
const OPENAI_HOST = /^(?:[a-z0-9-]+\.)?api\.openai\.com$/;

/** Whether a backend serves a Claude model: its tokenizer, and its tool-use system prompt. */
function servesClaude(entry: RuntimeModelBackend, model: string): boolean {
  const { kind, bedrockApi } = entry.backend;
  return kind === 'anthropic' || (kind === 'vertex' && isClaudeModel(model)) || (kind === 'bedrock' && (bedrockApi === 'invoke' || isAnthropicModelId(model)));
}

/** The margin of one backend of the model (`model`: the requested name, sent when the entry names none). */
export function inputMargin(entry: RuntimeModelBackend, model: string, overrides: ReadonlyMap<string, number>): number {
  const override = overrides.get(entry.backend.name);
  if (override !== undefined) return override;
  const upstreamModel = entry.upstreamModel ?? model;
  if (servesClaude(entry, upstreamModel)) return INPUT_MARGINS.claude;
  switch (entry.backend.kind) {
    case 'azure-openai':
      return INPUT_MARGINS.openai;
    case 'openai':
      return OPENAI_HOST.test(entry.backend.host) ? INPUT_MARGINS.openai : INPUT_MARGINS.unknown;
    case 'gemini':
    case 'vertex':
      return INPUT_MARGINS.gemini;
    default:
      return INPUT_MARGINS.unknown;
  }
}

/** Whether the request carries tools (any client API names them `tools`). */
function hasTools(request: ClientRequest): boolean {
  return Array.isArray(request.body.tools) && request.body.tools.length > 0;
}

/**
 * The prompt tokens reserved for a request: its o200k count times the largest margin among
 * the backends that may serve it (a failover may land on any), plus Claude's tool-use system
 * prompt where a Claude backend would add it. Rounded up; 1e-9 absorbs float noise
 * (10 × 1.3 is 13.000000000000002).
 */
export function reservedInputTokens(request: ClientRequest, promptTokens: number, backends: readonly RuntimeModelBackend[], overrides: ReadonlyMap<string, number>): number {
  const tools = hasTools(request);
  const perBackend = backends.map((entry) => {
    const toolPrompt = tools && servesClaude(entry, entry.upstreamModel ?? request.model) ? CLAUDE_TOOL_PROMPT_TOKENS : 0;
    return Math.ceil(promptTokens * inputMargin(entry, request.model, overrides) - 1e-9) + toolPrompt;
  });
  return Math.max(promptTokens, ...perBackend);
}

/**
 * The fakes' history checks, made on every request whatever reply is queued for it: a real
 * provider refuses a history that breaks its rules before it looks at anything else, so a test
 * that queues an answer must still see the 400 when the gateway sends a history the provider
 * would refuse (tool-call ids and their pairing, reasoning signatures, thinking on a continued
 * turn, Gemini's thought signatures and response counts, OpenAI's tool-message order).
 */
import { anthropicPairingViolation, anthropicToolIdViolation, bedrockPairingViolation, bedrockToolIdViolation } from './history-id-checks';
import { anthropicReasoningViolation, converseReasoningViolation } from './reasoning-checks';
import { geminiTurnViolation, openAIChatViolation } from './turn-checks';
import { responsesInputViolation } from './responses-checks';
import { anthropicToolNameViolation, bedrockToolNameViolation, geminiToolNameViolation, openAIToolNameViolation } from './tool-name-checks';
import { bedrockErrorBehaviour, BEDROCK_INVOKE_PATH, BEDROCK_PATH } from './bedrock-behaviours';
import { errorBehaviour } from './behaviours';
import type { Behaviour, RecordedRequest } from './behaviours';
import { geminiErrorBehaviour } from './gemini-behaviours';
import { isRecord } from './tokens';
import { VERTEX_CLAUDE_PATH } from './vertex-behaviours';

function anthropicViolation(json: Record<string, unknown>): string | undefined {
  if (!Array.isArray(json.messages)) return undefined;
  return anthropicToolNameViolation(json) ?? anthropicToolIdViolation(json.messages) ?? anthropicPairingViolation(json.messages) ?? anthropicReasoningViolation(json);
}

function anthropicRefusal(message: string | undefined): Behaviour | undefined {
  return message === undefined ? undefined : { kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message };
}

function bedrockRefusal(message: string | undefined): Behaviour | undefined {
  return message === undefined ? undefined : bedrockErrorBehaviour(400, 'ValidationException', message);
}

/** The model a Converse, InvokeModel or Gemini path names. */
function pathModel(pathname: string, pattern: RegExp): string {
  const match = pattern.exec(pathname);
  return match ? decodeURIComponent(match[1]) : '';
}

/** The provider's 400 for a history it would refuse (`account`: the fake's name, whose encrypted reasoning it reads); undefined when the history passes. */
export function historyRefusal(request: RecordedRequest, account = 'fake'): Behaviour | undefined {
  const json = request.json;
  if (request.method.toUpperCase() !== 'POST' || !isRecord(json)) return undefined;
  const pathname = request.path.split('?')[0].replace(/\/+$/, '');
  if (pathname.endsWith('/v1/messages') || VERTEX_CLAUDE_PATH.test(pathname)) return anthropicRefusal(anthropicViolation(json));
  if (BEDROCK_INVOKE_PATH.test(pathname)) {
    const broken = anthropicViolation(json);
    return bedrockRefusal(broken === undefined ? undefined : `The model returned the following errors: ${broken}`);
  }
  if (BEDROCK_PATH.test(pathname)) {
    if (!Array.isArray(json.messages)) return undefined;
    const modelId = pathModel(pathname, /\/model\/([^/]+)\//);
    return bedrockRefusal(bedrockToolNameViolation(json) ?? bedrockToolIdViolation(json.messages) ?? bedrockPairingViolation(json.messages) ?? converseReasoningViolation(json, modelId));
  }
  if (/:(generateContent|streamGenerateContent)$/.test(pathname)) {
    const endpoint = pathname.includes('/publishers/google/') ? 'vertex' : 'gemini';
    const broken = geminiToolNameViolation(json) ?? geminiTurnViolation(json, pathModel(pathname, /\/models\/([^/:]+):/), endpoint);
    return broken === undefined ? undefined : geminiErrorBehaviour(400, broken, 'INVALID_ARGUMENT');
  }
  if (pathname.endsWith('/responses')) {
    const broken = openAIToolNameViolation(json, true) ?? responsesInputViolation(json, account);
    return broken === undefined ? undefined : errorBehaviour(400, broken.message, 'invalid_request_error', broken.code, broken.param);
  }
  if (pathname.endsWith('/chat/completions')) {
    const broken = openAIToolNameViolation(json) ?? openAIChatViolation(json);
    return broken === undefined ? undefined : errorBehaviour(400, broken.message, 'invalid_request_error', 'code' in broken ? String(broken.code) : null, broken.param);
  }
  return undefined;
}

import type { ClientRequest } from '../api/client-request';
import { GatewayError } from '../errors';
import { AnthropicToAnthropic } from './anthropic/anthropic-to-anthropic';
import { OpenAIToAnthropic } from './anthropic/openai-to-anthropic';
import { AnthropicToBedrock } from './bedrock/anthropic-to-bedrock';
import { AnthropicToBedrockClaude } from './bedrock/anthropic-to-bedrock-claude';
import { OpenAIEmbeddingsToBedrock } from './bedrock/openai-embeddings-to-bedrock';
import { OpenAIToBedrock } from './bedrock/openai-to-bedrock';
import { OpenAIToBedrockClaude } from './bedrock/openai-to-bedrock-claude';
import { OpenAIEmbeddingsToGemini } from './gemini/openai-embeddings-to-gemini';
import { OpenAIToGemini } from './gemini/openai-to-gemini';
import { AnthropicToOpenAI } from './openai/anthropic-to-openai';
import { withBearerToken } from './openai/bearer-token-auth';
import { OpenAIToOpenAI } from './openai/openai-to-openai';
import type { AttemptTarget, Translator } from './translator';
import { OnVertex, claudeOnVertex, geminiOnVertex, isClaudeModel } from './vertex/on-vertex';
import { OpenAIEmbeddingsToVertex } from './vertex/openai-embeddings-to-vertex';
import { gatewayOutputCapFor } from './gateway-output-cap';
import { WithWarnings } from './with-warnings';
import { WithToolNames, renamedToolsFor } from './with-tool-names';

function unsupported(request: ClientRequest, target: AttemptTarget): GatewayError {
  return new GatewayError(
    400,
    'invalid_request_error',
    'unsupported_backend',
    `Backend "${target.backend.name}" (${target.backend.kind}) cannot serve ${request.api} requests.`,
  );
}

/**
 * The translator for this client request on this attempt's backend. An output cap aigw set
 * goes in the field this backend reads and is named in the attempt's warnings; tool names the
 * backend refuses are rewritten for it and mapped back in its answer.
 */
export function createTranslator(request: ClientRequest, target: AttemptTarget): Translator {
  const capped = gatewayOutputCapFor(request, target.backend);
  const translator = withToolNames(capped?.request ?? request, target);
  return capped ? new WithWarnings(translator, [capped.warning]) : translator;
}

function withToolNames(request: ClientRequest, target: AttemptTarget): Translator {
  const renamed = renamedToolsFor(request, target);
  if (!renamed) return translatorFor(request, target);
  return new WithToolNames(translatorFor(renamed.request, target), renamed.request, renamed.names, target.maxStreamEventBytes);
}

function translatorFor(request: ClientRequest, target: AttemptTarget): Translator {
  switch (target.backend.kind) {
    case 'openai':
      if (request.api === 'anthropic-messages') return new AnthropicToOpenAI(request, target);
      return new OpenAIToOpenAI(request, target);
    case 'azure-openai': {
      const translator = request.api === 'anthropic-messages' ? new AnthropicToOpenAI(request, target) : new OpenAIToOpenAI(request, target);
      // Entra ID: a bearer token per attempt instead of the api-key.
      return withBearerToken(translator, target.backend);
    }
    case 'anthropic':
      if (request.api === 'anthropic-messages') return new AnthropicToAnthropic(request, target);
      if (request.api === 'openai-chat') return new OpenAIToAnthropic(request, target);
      // Anthropic has no embeddings API.
      throw unsupported(request, target);
    case 'gemini':
      if (request.api === 'openai-chat') return new OpenAIToGemini(request, target);
      if (request.api === 'openai-embeddings') return new OpenAIEmbeddingsToGemini(request, target);
      // The Responses and Messages APIs are not translated for Gemini yet.
      throw unsupported(request, target);
    case 'bedrock':
      if (request.api === 'openai-embeddings') return new OpenAIEmbeddingsToBedrock(request, target);
      if (target.backend.bedrockApi === 'invoke') {
        if (request.api === 'openai-chat') return new OpenAIToBedrockClaude(request, target);
        if (request.api === 'anthropic-messages') return new AnthropicToBedrockClaude(request, target);
        throw unsupported(request, target);
      }
      if (request.api === 'openai-chat') return new OpenAIToBedrock(request, target);
      if (request.api === 'anthropic-messages') return new AnthropicToBedrock(request, target);
      // The Responses API is not translated for Bedrock yet.
      throw unsupported(request, target);
    case 'vertex': {
      const model = target.upstreamModel ?? request.model;
      if (isClaudeModel(model)) {
        if (request.api === 'openai-chat') return new OnVertex(new OpenAIToAnthropic(request, target), target.backend, claudeOnVertex(target.backend, model));
        if (request.api === 'anthropic-messages') return new OnVertex(new AnthropicToAnthropic(request, target), target.backend, claudeOnVertex(target.backend, model));
      } else if (request.api === 'openai-chat') {
        return new OnVertex(new OpenAIToGemini(request, target), target.backend, geminiOnVertex(target.backend, model));
      } else if (request.api === 'openai-embeddings') {
        return new OpenAIEmbeddingsToVertex(request, target);
      }
      // The Responses API is not translated for Vertex yet.
      throw unsupported(request, target);
    }
  }
}

import type { ClientRequest } from '../api/client-request';
import { GatewayError } from '../errors';
import { OpenAIToOpenAI } from './openai/openai-to-openai';
import type { AttemptTarget, Translator } from './translator';

/** The translator for this client request on this attempt's backend. */
export function createTranslator(request: ClientRequest, target: AttemptTarget): Translator {
  switch (target.backend.kind) {
    case 'openai':
      return new OpenAIToOpenAI(request, target);
    case 'anthropic':
      throw new GatewayError(400, 'invalid_request_error', 'unsupported_backend', `Backend "${target.backend.name}" (anthropic) cannot serve ${request.api} yet.`);
  }
}

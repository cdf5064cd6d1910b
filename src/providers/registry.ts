import type { ClientRequest } from '../api/client-request';
import { OpenAIToOpenAI } from './openai/openai-to-openai';
import type { AttemptTarget, Translator } from './translator';

/** The translator for this client request on this attempt's backend. */
export function createTranslator(request: ClientRequest, target: AttemptTarget): Translator {
  switch (target.backend.kind) {
    case 'openai':
      return new OpenAIToOpenAI(request, target);
  }
}

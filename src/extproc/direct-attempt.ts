import type { ClientRequest } from '../api/client-request';
import type { RuntimeConfig, RuntimeModel, RuntimeModelBackend } from '../config/runtime';
import { createTranslator } from '../providers/registry';
import type { Translator, UpstreamRequest } from '../providers/translator';
import { GatewayError } from '../errors';

/** The first attempt, prepared by the router-level processor for the backend Envoy will most likely pick. */
export interface DirectAttempt {
  readonly entry: RuntimeModelBackend;
  readonly translator: Translator;
  /** The upstream request: path, headers (credential included) and body. */
  readonly upstream: UpstreamRequest;
}

/**
 * The first attempt could not be prepared, for a reason the client must hear (its backend
 * cannot serve the API, its token cannot be had): the per-attempt processor answers that
 * attempt with it, as it would have found it itself, without asking a token endpoint twice.
 */
export interface FailedAttempt {
  readonly backend: string;
  readonly error: GatewayError;
}

/**
 * The backend the first attempt most likely goes to when every backend is healthy: the
 * heaviest (then the first) of the lowest priority. Envoy may still pick another (an ejected
 * host, another backend of that priority by weight); that attempt then runs the per-attempt
 * processor, so a wrong guess costs one crossing, never a wrong request.
 */
export function predictedBackend(model: RuntimeModel): RuntimeModelBackend | undefined {
  const first = model.backends[0];
  if (!first) return undefined;
  return model.backends.reduce((best, entry) => (entry.priority === first.priority && entry.weight > best.weight ? entry : best), first);
}

/**
 * Translates the request for the predicted backend, so the first attempt needs no crossing
 * of its own. Undefined when that backend cannot be prepared here (no credential): the
 * per-attempt processor then handles it and reports the problem as it always has.
 */
export function prepareDirectAttempt(request: ClientRequest, model: RuntimeModel, limits: RuntimeConfig['limits']): DirectAttempt | FailedAttempt | undefined | Promise<DirectAttempt | FailedAttempt | undefined> {
  const entry = predictedBackend(model);
  if (!entry || (!entry.backend.credential && entry.backend.credentialProblem)) return undefined;
  const failed = (error: unknown): FailedAttempt | undefined => (error instanceof GatewayError ? { backend: entry.backend.name, error } : undefined);
  try {
    const translator = createTranslator(request, { backend: entry.backend, upstreamModel: entry.upstreamModel, maxStreamEventBytes: limits.maxStreamEventBytes });
    const upstream = translator.requestBody();
    if (!(upstream instanceof Promise)) return { entry, translator, upstream };
    return upstream.then((value) => ({ entry, translator, upstream: value }), failed);
  } catch (error) {
    return failed(error);
  }
}

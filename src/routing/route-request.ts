import { withBody } from '../api/client-request';
import type { ClientRequest } from '../api/client-request';
import type { Identity, RuntimeConfig, RuntimeModel } from '../config/runtime';
import { estimateInputTokens } from '../ratelimit/estimate';

/**
 * Applies the routing rules to a parsed request. A routed request is rewritten to name its
 * new model, so every translator, price and limit downstream sees one consistent model.
 */
export function routeRequest(
  config: RuntimeConfig,
  request: ClientRequest,
  identity: Identity,
  headers: ReadonlyMap<string, string>,
): { request: ClientRequest; model: RuntimeModel; rule?: string } {
  let tokens: number | undefined;
  const decision = config.routing.decide({
    model: request.model,
    caller: identity.caller,
    team: identity.team,
    project: identity.project,
    user: identity.user,
    headers,
    promptTokens: () => (tokens ??= estimateInputTokens(request)),
  });
  const model = config.models.get(decision.model);
  // The schema checks every target exists; a missing one would be a compile bug.
  if (!model) throw new Error(`routing rule ${decision.rule ?? ''} names unknown model ${decision.model}`);
  if (decision.model === request.model) return { request, model, rule: decision.rule };
  return { request: withBody(request, { ...request.body, model: decision.model }), model, rule: decision.rule };
}

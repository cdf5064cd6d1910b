import { parseClientRequest, unknownModel } from '../api/client-request';
import type { ClientApi, ClientRequest } from '../api/client-request';
import { assertModelAccess, modelAccess, modelAccessError } from '../access/access-policy';
import type { AdminSnapshot } from '../admin/admin-state';
import type { Identity, RuntimeConfig, RuntimeModel } from '../config/runtime';
import { GatewayError } from '../errors';
import { GuardrailRun } from '../guardrails/guardrail-run';
import { routeRequest } from '../routing/route-request';
import type { ProcessorContext } from './stream-processor';

/** A model call the gateway accepted: the request as it goes upstream, and its model. */
export interface Admission {
  readonly request: ClientRequest;
  readonly model: RuntimeModel;
  /** When a routing rule chose the model: the model asked for, and the rule. */
  readonly routedFrom?: { readonly model: string; readonly rule: string };
  /** The request's guardrail policy at work, when one applies. */
  readonly guardrails?: GuardrailRun;
}

/** What admission reads besides the body. */
export interface AdmissionInput {
  readonly config: RuntimeConfig;
  readonly access: AdminSnapshot;
  readonly identity: Identity;
  readonly api: ClientApi;
  readonly requestId: string;
  /** The request headers routing rules read. */
  readonly routingHeaders: ReadonlyMap<string, string>;
  readonly context: ProcessorContext;
  /** Told of the guardrail run as soon as it starts, so a block still has its run's record. */
  readonly onGuardrails: (run: GuardrailRun) => void;
}

/**
 * Parses and admits a model call: the model must exist and be open to the caller (catalog and
 * profiles, on the model asked for and again on the model a routing rule chose), and the
 * request passes its guardrails (a promise only when a policy applies). Throws a user-facing
 * GatewayError for a refusal.
 */
export function admit(input: AdmissionInput, body: Buffer): Admission | Promise<Admission> {
  const { config, access, identity } = input;
  const parsed = parseClientRequest(input.api, body, { maxJsonDepth: config.limits.maxJsonDepth });
  if (!config.models.has(parsed.model)) throw unknownModel(parsed.model);
  assertModelAccess(parsed.model, identity, config.accessProfiles, access);
  // Routing rules may send the request to another model of the config; Envoy then routes
  // (and retries, and fails over) within that model.
  const { request, model, rule } = routeRequest(config, parsed, identity, input.routingHeaders);
  const routedFrom = rule ? { model: parsed.model, rule } : undefined;
  if (rule) {
    input.context.metrics.routingDecisions.inc({ rule, model: model.name });
    // A rule must not open a model the caller may not use, or one the catalog disabled.
    const refused = modelAccessError(model.name, identity, modelAccess(model.name, identity, config.accessProfiles, access));
    if (refused) {
      throw new GatewayError(403, 'permission_error', refused.code, `Routing rule \`${rule}\` sends this request to model \`${model.name}\`: ${refused.message}`, 'model');
    }
  }
  const policy = config.guardrails?.policyFor(identity, model.name, access.guardrails);
  if (!policy) return { request, model, routedFrom };
  const guardrails = new GuardrailRun(
    policy,
    { requestId: input.requestId, caller: identity.caller, team: identity.team, project: identity.project, model: model.name, api: request.api, policy: policy.name },
    input.context,
  );
  input.onGuardrails(guardrails);
  return guardrails.checkRequest(request).then((checked) => ({ request: checked, model, routedFrom, guardrails }));
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TokenUsage } from '../providers/usage';

/** Labels of every GenAI metric: bounded by the config (models, teams), never per user or path. */
export const GENAI_LABELS = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model', 'team', 'project'] as const;

/**
 * The gateway's Prometheus metrics. Labels are bounded: models and backends come from the
 * config (anything else is reported as "unknown"), never user ids or raw paths.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'aigw_requests_total',
    help: 'Requests answered, by endpoint, model and HTTP status.',
    labelNames: ['endpoint', 'model', 'status'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'aigw_upstream_attempts_total',
    help: 'Upstream attempts (first tries and retries), by model and backend.',
    labelNames: ['model', 'backend'] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'aigw_tokens_total',
    help: 'Tokens used, by model, backend and token type.',
    labelNames: ['model', 'backend', 'type'] as const,
    registers: [this.registry],
  });
  readonly usageMissing = new Counter({
    name: 'aigw_usage_missing_total',
    help: 'Successful responses whose provider reported no usage.',
    labelNames: ['model', 'backend'] as const,
    registers: [this.registry],
  });
  readonly streams = new Gauge({
    name: 'aigw_extproc_streams_active',
    help: 'Open ext_proc streams, by filter (router or upstream).',
    labelNames: ['filter'] as const,
    registers: [this.registry],
  });
  readonly processingErrors = new Counter({
    name: 'aigw_extproc_errors_total',
    help: 'ext_proc streams that ended in an internal error, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly rateLimitDecisions = new Counter({
    name: 'aigw_ratelimit_decisions_total',
    help: 'Rate-limit decisions per descriptor, by domain, metric and result (ok, near_limit, over_limit, shadow_over_limit, failed_open, failed_closed).',
    labelNames: ['domain', 'metric', 'result'] as const,
    registers: [this.registry],
  });
  readonly rateLimitSettlements = new Counter({
    name: 'aigw_ratelimit_settled_total',
    help: 'Settled amounts after requests ended: extra charged beyond the reservation, or refunded (tokens, or micro-dollars for usd); lost counts counters whose settlement was given up.',
    labelNames: ['domain', 'metric', 'kind'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRetries = new Counter({
    name: 'aigw_ratelimit_retries_total',
    help: 'Store commands retried until answered: releases of reservations aigw gave up on, settlements that timed out; by operation and result (queued, retried, succeeded, expired, dropped).',
    labelNames: ['operation', 'result'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRetryQueue = new Gauge({
    name: 'aigw_ratelimit_retry_queue',
    help: 'Store commands waiting for a retry (releases and settlements).',
    registers: [this.registry],
  });
  readonly guardrailActions = new Counter({
    name: 'aigw_guardrail_actions_total',
    help: 'Guardrail findings acted on, by guardrail (the policy), detector (or webhook:<name>), action (monitor, redact, block) and direction (request, response).',
    labelNames: ['guardrail', 'detector', 'action', 'direction'] as const,
    registers: [this.registry],
  });
  readonly guardrailWebhookDuration = new Histogram({
    name: 'aigw_guardrail_webhook_duration_seconds',
    help: 'Webhook guardrail calls, by webhook, direction and outcome (allow, redact, block, or the failure: timeout, network, status, invalid_answer).',
    labelNames: ['webhook', 'direction', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly guardrailWebhookFailures = new Counter({
    name: 'aigw_guardrail_webhook_failures_total',
    help: 'Webhook guardrail calls that failed, by webhook, reason and what the fail mode did (allowed or refused).',
    labelNames: ['webhook', 'reason', 'result'] as const,
    registers: [this.registry],
  });

  /** OpenTelemetry GenAI metrics (semantic conventions' names and buckets, Prometheus-style labels). */
  readonly genAiTokenUsage = new Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens per request by type (input, output, cached_input, cache_creation_input, reasoning).',
    labelNames: [...GENAI_LABELS, 'gen_ai_token_type'] as const,
    buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
    registers: [this.registry],
  });
  readonly genAiRequestDuration = new Histogram({
    name: 'gen_ai_server_request_duration_seconds',
    help: 'Time from the request reaching aigw to the end of its response (streams included), with error_type for failures.',
    labelNames: [...GENAI_LABELS, 'error_type'] as const,
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
    registers: [this.registry],
  });
  readonly genAiTimeToFirstToken = new Histogram({
    name: 'gen_ai_server_time_to_first_token_seconds',
    help: 'Streamed responses: time from the request to the first response bytes.',
    labelNames: GENAI_LABELS,
    buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [this.registry],
  });
  readonly genAiTimePerOutputToken = new Histogram({
    name: 'gen_ai_server_time_per_output_token_seconds',
    help: 'Streamed responses: time per output token after the first.',
    labelNames: GENAI_LABELS,
    buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5],
    registers: [this.registry],
  });
  readonly genAiCost = new Counter({
    name: 'gen_ai_client_cost_usd_total',
    help: 'Cost of answered requests in USD, from the price table.',
    labelNames: GENAI_LABELS,
    registers: [this.registry],
  });
  readonly genAiErrors = new Counter({
    name: 'gen_ai_client_errors_total',
    help: 'Requests that ended in an error, by error_type (the HTTP status, or _OTHER).',
    labelNames: [...GENAI_LABELS, 'error_type'] as const,
    registers: [this.registry],
  });
  readonly routingDecisions = new Counter({
    name: 'aigw_routing_decisions_total',
    help: 'Requests a routing rule sent to a model, by rule and chosen model.',
    labelNames: ['rule', 'model'] as const,
    registers: [this.registry],
  });
  readonly configReloads = new Counter({
    name: 'aigw_config_reloads_total',
    help: 'Config file reloads, by result (applied, or rejected: the last good config kept serving).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly configLastReloadSuccessful = new Gauge({
    name: 'aigw_config_last_reload_successful',
    help: '1 when the last config reload was applied (or none was tried), 0 when it was rejected.',
    registers: [this.registry],
  });
  readonly configEnvoyStale = new Gauge({
    name: 'aigw_config_envoy_stale',
    help: '1 when the config in force needs an Envoy bootstrap Envoy is not running yet (re-render and restart Envoy).',
    registers: [this.registry],
  });
  readonly auditRecords = new Counter({
    name: 'aigw_audit_records_total',
    help: 'Audit log records written.',
    registers: [this.registry],
  });
  readonly traceExportFailures = new Counter({
    name: 'aigw_trace_export_failures_total',
    help: 'Batches of spans the OTLP exporter could not deliver (endpoint down, refused, timed out), by protocol.',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly traceSpansLost = new Counter({
    name: 'aigw_trace_spans_lost_total',
    help: 'Spans in the batches counted by aigw_trace_export_failures_total.',
    registers: [this.registry],
  });
  readonly auditFailures = new Counter({
    name: 'aigw_audit_failures_total',
    help: 'Audit log records lost, by reason (write: the file could not be written, e.g. a full disk; queue_full: writing fell behind).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  // MCP gateway. Server and tool labels come from the config and the configured servers' own
  // tool lists; a name the gateway cannot route is counted under server "unknown".
  readonly mcpRequestDuration = new Histogram({
    name: 'aigw_mcp_upstream_request_duration_seconds',
    help: 'Time of requests aigw sent to upstream MCP servers, by server, method and tool ("" when not tools/call).',
    labelNames: ['server', 'method', 'tool'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly mcpErrors = new Counter({
    name: 'aigw_mcp_upstream_errors_total',
    help: 'Upstream MCP requests that failed, by server, method, tool and kind (timeout, error, tool_error).',
    labelNames: ['server', 'method', 'tool', 'kind'] as const,
    registers: [this.registry],
  });
  readonly mcpServersLeftOut = new Counter({
    name: 'aigw_mcp_servers_left_out_total',
    help: 'Times an upstream MCP server was left out of an initialize or list fan-out (down, slow or failing), by server and method.',
    labelNames: ['server', 'method'] as const,
    registers: [this.registry],
  });
  readonly mcpRefusals = new Counter({
    name: 'aigw_mcp_refused_total',
    help: 'MCP requests refused by the gateway before any upstream saw them, by reason (profile, pinning, unknown_name).',
    labelNames: ['method', 'reason'] as const,
    registers: [this.registry],
  });
  readonly mcpHttpResponses = new Counter({
    name: 'aigw_mcp_http_responses_total',
    help: 'HTTP answers of the MCP endpoint, by status (401: unauthenticated, 403: no profile or origin, 404: unknown session).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly mcpRequests = new Counter({
    name: 'aigw_mcp_requests_total',
    help: 'JSON-RPC requests the MCP gateway answered, by method ("other" for unknown ones) and outcome (result or error).',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly mcpToolChanges = new Counter({
    name: 'aigw_mcp_tool_definition_changes_total',
    help: 'Tool definitions (description or input schema) that changed after they were pinned, by server and tool.',
    labelNames: ['server', 'tool'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'aigw_process_' });
  }

  /** Adds one response's usage to the token counters. */
  recordUsage(model: string, backend: string, usage: TokenUsage): void {
    const add = (type: string, value: number): void => {
      if (value > 0) this.tokens.inc({ model, backend, type }, value);
    };
    add('input', usage.inputTokens);
    add('output', usage.outputTokens);
    add('cached_input', usage.cachedInputTokens);
    add('cache_creation_input', usage.cacheCreationInputTokens);
    add('reasoning', usage.reasoningTokens);
  }
}

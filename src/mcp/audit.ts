import { createHash } from 'node:crypto';
import type { Identity } from '../config/runtime';
import type { Logger } from '../telemetry/logger';
import { canonicalJson } from './tool-pins';
import { currentTraceContext, traceIdOf } from './trace-context';

/** How a tools/call ended, for the audit record. */
export type CallOutcome = 'ok' | 'tool_error' | 'error' | 'refused';

/** One audit record per tools/call; the arguments themselves are never logged, only their hash. */
export interface ToolCallAudit {
  readonly identity: Identity;
  readonly server: string;
  readonly tool: string;
  readonly arguments: unknown;
  readonly outcome: CallOutcome;
  readonly latencyMs: number;
  /** Why a call was refused or failed (no argument values in it). */
  readonly reason?: string;
}

/** sha256 (hex) of the canonical JSON of a call's arguments: equal arguments, equal hash, in any key order. */
export function argumentsHash(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? {}))
    .digest('hex');
}

/** Where audit records go besides the log (the gateway's hash-chained audit log). */
export interface AuditWriter {
  write(fields: Record<string, unknown>): void;
}

/**
 * Writes the audit line through the gateway's logger (a JSON line, `audit: "mcp_tool_call"`)
 * and, when there is one, as a `type: "mcp_tool_call"` record of the audit log.
 */
export function auditToolCall(logger: Logger, audit: ToolCallAudit, auditLog?: AuditWriter): void {
  const fields = {
    caller: audit.identity.caller,
    team: audit.identity.team,
    project: audit.identity.project,
    ...(audit.identity.user !== undefined ? { user: audit.identity.user } : {}),
    server: audit.server,
    tool: audit.tool,
    arguments_sha256: argumentsHash(audit.arguments),
    outcome: audit.outcome,
    latency_ms: Math.round(audit.latencyMs * 1000) / 1000,
    ...(audit.reason !== undefined ? { reason: audit.reason } : {}),
    ...traceField(),
  };
  logger.info('mcp tools/call', { audit: 'mcp_tool_call', ...fields });
  auditLog?.write({ type: 'mcp_tool_call', time: new Date().toISOString(), ...fields });
}

/** The caller's trace id, so an audit line can be found from a trace and back. */
function traceField(): { trace_id?: string } {
  const traceId = traceIdOf(currentTraceContext().traceparent);
  return traceId === undefined ? {} : { trace_id: traceId };
}

import type { Logger } from '../telemetry/logger';

/** One change made through the admin API. Never carries a key, a hash or the admin token. */
export interface AdminChangeRecord {
  /** e.g. `key.create`, `key.rotate`, `key.revoke`, `key.limits`, `team.limits`, `model.update`, `team.profile`. */
  action: string;
  /** What changed: a key id, team or model name. */
  target: string;
  actor: 'admin-token';
  details: Record<string, unknown>;
}

/** Where admin changes are recorded (the audit log plugs in here). */
export interface AdminAuditSink {
  adminChange(record: AdminChangeRecord): void;
}

/** The default sink: one structured log line per change. */
export function loggingAuditSink(logger: Logger): AdminAuditSink {
  return {
    adminChange: (record) => logger.info('admin change', { action: record.action, target: record.target, actor: record.actor, details: record.details }),
  };
}

/** The audit log as a sink: one chained `type: "admin"` record per change. */
export function auditLogSink(audit: { write(fields: Record<string, unknown>): void }): AdminAuditSink {
  return {
    adminChange: (record) => audit.write({ type: 'admin', time: new Date().toISOString(), action: record.action, target: record.target, actor: record.actor, details: record.details }),
  };
}

import type { Server, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { AdminSnapshot } from '../admin/admin-state';
import { runtimeLimits } from '../admin/limit-overrides';
import { toStruct } from '../extproc/messages';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { MatchedLimit, Metric } from './descriptor-tree';
import { blockedReply } from './limit-messages';
import type { Adjustment, CheckStatus, Decision, LimitCheck, Limiter } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { RESERVATION_KEY, formatRecord, parseRecord } from './reservation-record';
import type { RateLimitRequest } from './rls-proto';
import { rateLimitService } from './rls-proto';
import type { RuntimeRateLimits } from './runtime-limits';

/** The entry Envoy appends to stream-done descriptors, carrying the reservation record. */
export const SETTLE_KEY = 'settle';

const UINT32_MAX = 4_294_967_295;
const ENVOY_UNITS: Record<string, string> = { second: 'SECOND', minute: 'MINUTE', hour: 'HOUR', day: 'DAY', month: 'MONTH', year: 'YEAR' };

type Code = 'OK' | 'OVER_LIMIT';

/** The ShouldRateLimit answer, in proto-loader's object form. */
export interface RateLimitResponse {
  overall_code: Code;
  statuses: Array<{
    code: Code;
    current_limit?: { name: string; requests_per_unit: number; unit: string };
    limit_remaining?: number;
    duration_until_reset?: { seconds: number };
  }>;
  response_headers_to_add: Array<{ key: string; value: string }>;
  /** The local reply's body when blocked (Envoy's local_reply_config wraps it in the client's error shape). */
  raw_body?: Buffer;
  dynamic_metadata?: ReturnType<typeof toStruct>;
}

interface Pending {
  index: number;
  limit: MatchedLimit;
  check: LimitCheck;
}

const clamp = (value: number): number => Math.max(0, Math.min(UINT32_MAX, Math.floor(value)));

/** The counter's key: the domain and the descriptor's entries (values included), in order. */
export function counterKey(domain: string, entries: ReadonlyArray<{ key: string; value: string }>): string {
  return [domain, ...entries.map((entry) => `${entry.key}=${encodeURIComponent(entry.value)}`)].join('|');
}

/**
 * `envoy.service.ratelimit.v3.RateLimitService`: Envoy's ratelimit filter asks before each
 * request (descriptors with the request's reservation as hits) and again when it ends
 * (descriptors with a `settle` entry and the real usage as hits). Admission takes the
 * reservation from every matching counter at once, or from none; settlement charges or
 * refunds the difference and never blocks.
 */
export class RateLimitService {
  constructor(
    private readonly limits: () => RuntimeRateLimits | undefined,
    private readonly limiter: Limiter,
    private readonly context: { logger: Logger; metrics: GatewayMetrics },
    /** Limits set through the admin API (absent when it is off). */
    private readonly runtime?: { current(): AdminSnapshot },
  ) {}

  /**
   * The limits a descriptor counts against, each with its counter key: the admin API's
   * runtime limits for the descriptor's metric when it has any (they replace the tree's),
   * else the tree's one match.
   */
  private matches(limits: RuntimeRateLimits, entries: ReadonlyArray<{ key: string; value: string }>): Array<{ limit: MatchedLimit; key: string }> {
    const key = counterKey(limits.domain, entries);
    const runtime = this.runtime ? runtimeLimits(this.runtime.current(), entries, limits.timeZone) : undefined;
    if (runtime) return runtime.map((match) => ({ limit: match.limit, key: `${key}${match.counterSuffix}` }));
    const limit = limits.tree.match(entries);
    return limit ? [{ limit, key }] : [];
  }

  addToServer(server: Server): void {
    server.addService(rateLimitService(), {
      ShouldRateLimit: (call: ServerUnaryCall<RateLimitRequest, RateLimitResponse>, callback: sendUnaryData<RateLimitResponse>) => {
        this.decide(call.request).then(
          (response) => callback(null, response),
          (error: unknown) => {
            this.context.logger.error('rate limit decision failed', { error: (error as Error).message });
            callback(error as Error);
          },
        );
      },
    });
  }

  /** One decision. `now` is for tests. */
  async decide(request: RateLimitRequest, now = Date.now()): Promise<RateLimitResponse> {
    const limits = this.limits();
    const statuses: RateLimitResponse['statuses'] = request.descriptors.map(() => ({ code: 'OK' }));
    const response: RateLimitResponse = { overall_code: 'OK', statuses, response_headers_to_add: [] };
    if (!limits || request.domain !== limits.domain) return response;
    const requestHits = request.hits_addend > 0 ? request.hits_addend : 1;
    const pending: Pending[] = [];
    const adjustments: Array<Adjustment & { metric: Metric }> = [];
    request.descriptors.forEach((descriptor, index) => {
      const hits = descriptor.hits_addend ? Number(descriptor.hits_addend.value) : requestHits;
      const entries = descriptor.entries;
      const last = entries[entries.length - 1];
      if (last?.key === SETTLE_KEY) {
        const counted = entries.slice(0, -1);
        const record = parseRecord(last.value);
        if (!record) return;
        for (const { limit, key } of this.matches(limits, counted)) {
          const reserved = record.amounts[limit.metric];
          if (reserved !== undefined) adjustments.push({ key, rule: limit.rule, delta: hits - reserved, reservedAt: record.at, metric: limit.metric });
        }
        return;
      }
      for (const { limit, key } of this.matches(limits, entries)) pending.push({ index, limit, check: { key, rule: limit.rule, hits, shadow: limit.shadow } });
    });
    if (adjustments.length > 0) await this.settle(limits.domain, adjustments, now);
    if (pending.length === 0) return response;

    let decision: Decision;
    try {
      decision = await this.limiter.reserve(
        pending.map((item) => item.check),
        now,
      );
    } catch (error) {
      return this.failed(limits, pending, response, error);
    }
    const blocked: Array<{ limit: MatchedLimit; status: CheckStatus; hits: number }> = [];
    pending.forEach((item, position) => {
      const status = decision.statuses[position];
      const blocking = status.overLimit && !item.limit.shadow;
      // A descriptor with several limits (admin windows) reports a blocking one when there is one.
      if (blocking || statuses[item.index].code === 'OK') statuses[item.index] = this.status(item.limit, status, blocking);
      this.count(limits.domain, item.limit, status, blocking);
      if (blocking) blocked.push({ limit: item.limit, status, hits: item.check.hits });
      if (status.overLimit && item.limit.shadow) {
        this.context.logger.warn('soft limit exceeded', { limit: item.limit.name, metric: item.limit.metric, remaining: status.remaining });
      }
    });
    if (!decision.allowed && blocked.length > 0) {
      const reply = blockedReply(blocked);
      response.overall_code = 'OVER_LIMIT';
      response.raw_body = Buffer.from(reply.message);
      response.response_headers_to_add.push(
        { key: 'retry-after', value: String(reply.retryAfterSeconds) },
        { key: 'x-aigw-limit-message', value: reply.message },
        { key: 'x-aigw-limit-code', value: reply.code },
      );
      return response;
    }
    const amounts: Partial<Record<Metric, number>> = {};
    for (const item of pending) amounts[item.limit.metric] = Math.max(amounts[item.limit.metric] ?? 0, item.check.hits);
    response.dynamic_metadata = toStruct({ [RESERVATION_KEY]: formatRecord({ amounts, at: now }) });
    return response;
  }

  private status(limit: MatchedLimit, status: CheckStatus, blocking: boolean): RateLimitResponse['statuses'][number] {
    return {
      code: blocking ? 'OVER_LIMIT' : 'OK',
      current_limit: { name: limit.name, requests_per_unit: clamp(status.limit), unit: (limit.unit && ENVOY_UNITS[limit.unit]) ?? 'UNKNOWN' },
      limit_remaining: clamp(status.remaining),
      duration_until_reset: { seconds: Math.ceil(status.resetSeconds) },
    };
  }

  private count(domain: string, limit: MatchedLimit, status: CheckStatus, blocking: boolean): void {
    let result = 'ok';
    if (blocking) result = 'over_limit';
    else if (status.overLimit) result = 'shadow_over_limit';
    else if (status.remaining < status.limit * 0.1) result = 'near_limit';
    this.context.metrics.rateLimitDecisions.inc({ domain, metric: limit.metric, result });
  }

  /** The store did not answer in time: fail open (admit, nothing reserved) or closed (429). */
  private failed(limits: RuntimeRateLimits, pending: readonly Pending[], response: RateLimitResponse, error: unknown): RateLimitResponse {
    if (!(error instanceof LimiterUnavailableError)) throw error;
    const result = limits.failureMode === 'open' ? 'failed_open' : 'failed_closed';
    for (const item of pending) this.context.metrics.rateLimitDecisions.inc({ domain: limits.domain, metric: item.limit.metric, result });
    this.context.logger.warn('rate limit store unavailable', { failureMode: limits.failureMode, error: error.message });
    if (limits.failureMode === 'open') return response;
    response.overall_code = 'OVER_LIMIT';
    response.raw_body = Buffer.from('Rate limits cannot be checked right now and this gateway fails closed; retry shortly.');
    for (const item of pending) response.statuses[item.index] = { code: 'OVER_LIMIT' };
    response.response_headers_to_add.push(
      { key: 'retry-after', value: '1' },
      { key: 'x-aigw-limit-message', value: 'Rate limits cannot be checked right now and this gateway fails closed; retry shortly.' },
      { key: 'x-aigw-limit-code', value: 'rate_limit_exceeded' },
    );
    return response;
  }

  private async settle(domain: string, adjustments: ReadonlyArray<Adjustment & { metric: Metric }>, now: number): Promise<void> {
    try {
      await this.limiter.adjust(adjustments, now);
    } catch (error) {
      // Settlement never blocks a request (it has ended); a lost one is logged and counted.
      this.context.logger.warn('rate limit settlement failed', { error: (error as Error).message });
      for (const item of adjustments) this.context.metrics.rateLimitSettlements.inc({ domain, metric: item.metric, kind: 'lost' });
      return;
    }
    for (const item of adjustments) {
      if (item.delta > 0) this.context.metrics.rateLimitSettlements.inc({ domain, metric: item.metric, kind: 'charged' }, item.delta);
      if (item.delta < 0) this.context.metrics.rateLimitSettlements.inc({ domain, metric: item.metric, kind: 'refunded' }, -item.delta);
    }
  }
}

import type { Server, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { AdminSnapshot } from '../admin/admin-state';
import { runtimeLimits } from '../admin/limit-overrides';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { MatchedLimit } from './descriptor-tree';
import { blockedReply } from './limit-messages';
import type { CheckStatus, Decision, LimitCheck, Limiter, ReservationId } from './limiter';
import { LimiterUnavailableError } from './limiter';
import type { HeldReservation } from './reservation-book';
import { Reservations } from './reservations';
import type { RateLimitRequest } from './rls-proto';
import { rateLimitService } from './rls-proto';
import type { RuntimeRateLimits } from './runtime-limits';
import type { RequestSettlement, Used } from './settlement';

/**
 * The descriptor Envoy adds to every admission call, `[{aigw_request: <io.aigw request_id>}]`:
 * it names the request whose reservation this is, and is never counted.
 */
export const REQUEST_KEY = 'aigw_request';

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
 * `envoy.service.ratelimit.v3.RateLimitService`: Envoy's ratelimit filter asks once, before
 * each request, with the request's reservation as hits and its id in an `aigw_request`
 * descriptor. Admission takes the reservation from every matching counter at once, or from
 * none, and keeps it here under the request's id; the request's ext_proc processor settles
 * it in process when the request ends (settle()), however it ends.
 */
export class RateLimitService implements RequestSettlement {
  private readonly reservations: Reservations;

  constructor(
    private readonly limits: () => RuntimeRateLimits | undefined,
    private readonly limiter: Limiter,
    private readonly context: { logger: Logger; metrics: GatewayMetrics },
    /** Limits set through the admin API (absent when it is off). */
    private readonly runtime?: { current(): AdminSnapshot },
  ) {
    this.reservations = new Reservations(limiter, context);
  }

  /** Reservations held for requests in flight. */
  get held(): number {
    return this.reservations.held;
  }

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

  /** Registers ShouldRateLimit on a grpc-js server (the one ext_proc is served on). */
  addToServer(server: Server): void {
    server.addService(rateLimitService(), {
      ShouldRateLimit: (call: ServerUnaryCall<RateLimitRequest, RateLimitResponse>, callback: sendUnaryData<RateLimitResponse>) => {
        this.decide(call.request, Date.now(), () => call.cancelled).then(
          (response) => callback(null, response),
          (error: unknown) => {
            this.context.logger.error('rate limit decision failed', { error: (error as Error).message });
            callback(error as Error);
          },
        );
      },
    });
  }

  /**
   * One admission decision. `now` is for tests; `cancelled` tells whether Envoy stopped
   * waiting for the answer (its timeout, or the request went away).
   */
  async decide(request: RateLimitRequest, now = Date.now(), cancelled?: () => boolean): Promise<RateLimitResponse> {
    const limits = this.limits();
    const statuses: RateLimitResponse['statuses'] = request.descriptors.map(() => ({ code: 'OK' }));
    const response: RateLimitResponse = { overall_code: 'OK', statuses, response_headers_to_add: [] };
    if (!limits || request.domain !== limits.domain) return response;
    const requestHits = request.hits_addend > 0 ? request.hits_addend : 1;
    const pending: Pending[] = [];
    let requestId: string | undefined;
    request.descriptors.forEach((descriptor, index) => {
      const entries = descriptor.entries;
      if (entries.length === 1 && entries[0].key === REQUEST_KEY) {
        requestId = entries[0].value;
        return;
      }
      const hits = descriptor.hits_addend ? Number(descriptor.hits_addend.value) : requestHits;
      for (const { limit, key } of this.matches(limits, entries)) pending.push({ index, limit, check: { key, rule: limit.rule, hits, shadow: limit.shadow } });
    });
    if (pending.length === 0) return response;
    if (!requestId) return this.admit(limits, pending, response, now);
    const reservation: ReservationId = { id: requestId, ttlMs: limits.reservationTtlMs };
    // A request that ends while this is decided is settled once it is (see settle()).
    return this.reservations.deciding(requestId, this.admit(limits, pending, response, now, reservation, cancelled));
  }

  /** Settles a request's reservation once, in process (see RequestSettlement and Reservations). */
  settle(requestId: string, used: Used): Promise<void> {
    return this.reservations.settle(requestId, used);
  }

  /** Stops retrying releases and settlements, after letting those on their way finish. */
  close(): Promise<void> {
    return this.reservations.close();
  }

  private async admit(limits: RuntimeRateLimits, pending: readonly Pending[], response: RateLimitResponse, now: number, reservation?: ReservationId, cancelled?: () => boolean): Promise<RateLimitResponse> {
    let decision: Decision;
    try {
      decision = await this.limiter.reserve(
        pending.map((item) => item.check),
        now,
        reservation,
      );
    } catch (error) {
      if (reservation && error instanceof LimiterUnavailableError) this.gaveUp(limits, pending, reservation, now);
      return this.failed(limits, pending, response, error);
    }
    // The same request asking again (Envoy never does): what was decided first stands.
    if (decision.earlier) return response;
    const statuses = response.statuses;
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
    if (!reservation) return response;
    const held = this.heldFor(limits, pending, now, true);
    // Envoy stopped waiting, so it applied failure_mode_deny without this answer: failing
    // closed, the request was refused and holds nothing; failing open, it went on, and its
    // end settles this reservation like any other.
    if (cancelled?.() && limits.failureMode === 'closed') this.reservations.release(reservation.id, held);
    else this.reservations.hold(reservation.id, held, now);
    return response;
  }

  private heldFor(limits: RuntimeRateLimits, pending: readonly Pending[], now: number, confirmed: boolean): HeldReservation {
    const counters = pending.map((item) => ({ key: item.check.key, rule: item.check.rule, metric: item.limit.metric, reserved: item.check.hits }));
    return { domain: limits.domain, counters, reservedAt: now, ttlMs: limits.reservationTtlMs, confirmed };
  }

  /**
   * The store did not answer the reserve in time, but it may still run it (the command is on
   * its way): release it, so that it refunds what it took or, not run yet, takes nothing when
   * it does. Failing open, the request is admitted: its end charges what it really used.
   */
  private gaveUp(limits: RuntimeRateLimits, pending: readonly Pending[], reservation: ReservationId, now: number): void {
    const held = this.heldFor(limits, pending, now, false);
    this.reservations.release(reservation.id, held);
    if (limits.failureMode === 'open') this.reservations.hold(reservation.id, held, now);
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
}

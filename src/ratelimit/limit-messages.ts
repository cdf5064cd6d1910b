import type { MatchedLimit } from './descriptor-tree';
import type { CheckStatus } from './limiter';

/** The 429 a blocked request gets: headers the rate-limit service adds to Envoy's local reply. */
export interface BlockedReply {
  /** Seconds until the most restrictive blocking limit lets a request like this through. */
  readonly retryAfterSeconds: number;
  readonly message: string;
  /** OpenAI's codes: rate_limit_exceeded for quotas, insufficient_quota for spent budgets. */
  readonly code: 'rate_limit_exceeded' | 'insufficient_quota';
}

function amount(metric: MatchedLimit['metric'], value: number): string {
  return metric === 'usd' ? `$${(value / 1_000_000).toFixed(2)}` : `${Math.floor(value)} ${metric}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  if (seconds < 7200) return `${Math.ceil(seconds / 60)} minutes`;
  if (seconds < 172_800) return `${Math.ceil(seconds / 3600)} hours`;
  return `${Math.ceil(seconds / 86_400)} days`;
}

/**
 * Names the most restrictive of the limits that blocked (the one that stays closed longest),
 * with its limit, what is left, and when to retry. Never includes the request's content.
 */
export function blockedReply(blocked: ReadonlyArray<{ limit: MatchedLimit; status: CheckStatus; hits: number }>): BlockedReply {
  const worst = blocked.reduce((a, b) => (b.status.resetSeconds > a.status.resetSeconds ? b : a));
  const { limit, status, hits } = worst;
  const retryAfterSeconds = Math.max(1, Math.ceil(status.resetSeconds));
  const scale = limit.metric === 'usd' ? 1_000_000 : 1;
  const kind = limit.metric === 'usd' ? 'Budget' : 'Rate limit';
  const others = blocked.length > 1 ? ` (${blocked.length - 1} other limit${blocked.length > 2 ? 's' : ''} also exceeded)` : '';
  const message =
    `${kind} exceeded: ${limit.name}. Limit ${amount(limit.metric, limit.amount * scale)}, ` +
    `${amount(limit.metric, status.remaining)} left, this request needs up to ${amount(limit.metric, hits)}; ` +
    `retry in ${duration(retryAfterSeconds)}${others}.`;
  return { retryAfterSeconds, message, code: limit.metric === 'usd' ? 'insufficient_quota' : 'rate_limit_exceeded' };
}

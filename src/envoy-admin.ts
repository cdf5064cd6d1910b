import { readFileSync } from 'node:fs';
import { HTTP_STAT_PREFIX } from './config/render-envoy';

/** The gauge of requests the listener's connection manager is serving. */
const ACTIVE_REQUESTS = `http.${HTTP_STAT_PREFIX}.downstream_rq_active`;
/** A wedged Envoy must not hold a shutdown: each admin call gives up after this. */
const CALL_TIMEOUT_MS = 2000;
const POLL_INTERVAL_MS = 100;

/**
 * The admin endpoint of an Envoy beside aigw (`aigw up`'s, or a pod's for `aigw drain-envoy`), for draining it
 * (https://www.envoyproxy.io/docs/envoy/latest/operations/admin#post--drain_listeners).
 */
export class EnvoyAdmin {
  constructor(private readonly base: string) {}

  /**
   * From the file Envoy writes its bound admin address to (`--admin-address-path`), which
   * holds the real port when the config says 0; a wildcard host is reached on loopback.
   */
  static fromAddressFile(path: string): EnvoyAdmin {
    const address = readFileSync(path, 'utf8').trim().replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
    return new EnvoyAdmin(`http://${address}`);
  }

  /**
   * Envoy takes no new connection from now on and tells open ones to close after their
   * current request; requests in flight go on. `drain_listeners?graceful` starts the drain
   * sequence (with `--drain-strategy immediate`, every connection at once gets
   * `connection: close` on its next response, or a GOAWAY), but keeps accepting connections
   * until `--drain-time-s` has passed; a plain `drain_listeners` then closes the listening
   * sockets at once, so a new connection is refused.
   */
  async stopAccepting(): Promise<void> {
    await this.startDrain();
    await this.closeListeners();
  }

  /** The drain sequence starts: open connections are told to close, new ones are still accepted. */
  async startDrain(): Promise<void> {
    await this.post('/drain_listeners?graceful');
  }

  /** The listening sockets close: a new connection is refused; requests in flight go on. */
  async closeListeners(): Promise<void> {
    await this.post('/drain_listeners');
  }

  /** Envoy's health-check filter answers 503 from now on (the ready listener of a Kubernetes pod). */
  async failHealthChecks(): Promise<void> {
    await this.post('/healthcheck/fail');
  }

  /** Requests the listener is serving now (streams included). */
  async activeRequests(): Promise<number> {
    const filter = encodeURIComponent(`^${ACTIVE_REQUESTS.replace(/\./g, '\\.')}$`);
    const response = await fetch(`${this.base}/stats?format=json&filter=${filter}`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`Envoy admin /stats answered ${response.status}`);
    const body = (await response.json()) as { stats?: Array<{ name?: string; value?: number }> };
    return body.stats?.find((stat) => stat.name === ACTIVE_REQUESTS)?.value ?? 0;
  }

  /** Waits until no request is in flight or `deadline` (ms since the epoch) passes; the requests left. */
  async waitUntilIdle(deadline: number): Promise<number> {
    for (;;) {
      const active = await this.activeRequests();
      if (active === 0 || Date.now() >= deadline) return active;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, deadline - Date.now())));
    }
  }

  private async post(path: string): Promise<void> {
    const response = await fetch(`${this.base}${path}`, { method: 'POST', signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`Envoy admin ${path} answered ${response.status}: ${(await response.text()).trim()}`);
  }
}

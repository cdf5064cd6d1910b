import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import { ConfigError, formatProblem, parseConfigText } from './load';
import { renderEnvoyYaml } from './render-envoy';
import { compileConfig } from './runtime';
import type { RuntimeConfig } from './runtime';

/** What a reload did. */
export type ReloadOutcome =
  | { readonly result: 'unchanged' }
  | { readonly result: 'rejected'; readonly problems: readonly string[] }
  | { readonly result: 'applied'; readonly config: RuntimeConfig; readonly envoyChanged: boolean };

/**
 * Watches the config file (by polling its status, which also follows the symlink swaps of a
 * Kubernetes ConfigMap) and reloads it when its bytes change. A valid config is compiled and
 * handed to `apply` whole; an invalid one is refused with every problem logged, counted, and
 * the last good config keeps serving. When the Envoy bootstrap rendered from the new config
 * differs (models, backends, listener, routes), `onEnvoyChange` is told so Envoy can be
 * re-rendered and restarted.
 */
export class ConfigWatcher {
  private digest: string;
  private current: RuntimeConfig;
  private busy = false;

  constructor(
    private readonly path: string,
    initial: RuntimeConfig,
    private readonly hooks: {
      apply(config: RuntimeConfig): void;
      onEnvoyChange?(config: RuntimeConfig): void;
      logger: Logger;
      metrics: GatewayMetrics;
      env?: NodeJS.ProcessEnv;
    },
  ) {
    this.current = initial;
    this.digest = digestOf(readFileSync(path, 'utf8'));
    hooks.metrics.configLastReloadSuccessful.set(1);
  }

  /** Starts polling every `intervalMs`. */
  start(intervalMs = 500): void {
    watchFile(this.path, { interval: intervalMs, persistent: false }, () => this.check());
  }

  stop(): void {
    unwatchFile(this.path);
  }

  /** Reads the file now and reloads it if it changed (also what the watcher calls). */
  check(): ReloadOutcome {
    if (this.busy) return { result: 'unchanged' };
    this.busy = true;
    try {
      return this.reload();
    } finally {
      this.busy = false;
    }
  }

  private reload(): ReloadOutcome {
    const { logger, metrics } = this.hooks;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      return this.reject([`cannot read ${this.path}: ${(error as Error).message}`]);
    }
    const digest = digestOf(text);
    if (digest === this.digest) return { result: 'unchanged' };
    let next: RuntimeConfig;
    try {
      next = compileConfig(parseConfigText(text, this.path), this.hooks.env ?? process.env);
    } catch (error) {
      if (error instanceof ConfigError) return this.reject(error.problems.map((problem) => formatProblem(problem).trim()), digest);
      return this.reject([(error as Error).message], digest);
    }
    const envoyChanged = renderEnvoyYaml(next, {}, this.path) !== renderEnvoyYaml(this.current, {}, this.path);
    this.hooks.apply(next);
    this.current = next;
    this.digest = digest;
    metrics.configReloads.inc({ result: 'applied' });
    metrics.configLastReloadSuccessful.set(1);
    metrics.configEnvoyStale.set(envoyChanged && !this.hooks.onEnvoyChange ? 1 : 0);
    logger.info('config reloaded', { path: this.path, envoyChanged });
    if (envoyChanged) {
      if (this.hooks.onEnvoyChange) this.hooks.onEnvoyChange(next);
      else logger.warn('the new config changes Envoy (models, backends, listener or routes): run `aigw render-envoy` and restart Envoy (hot restart keeps connections)', { path: this.path });
    }
    return { result: 'applied', config: next, envoyChanged };
  }

  private reject(problems: string[], digest?: string): ReloadOutcome {
    // The same bad bytes are reported once, not on every poll.
    if (digest !== undefined) this.digest = digest;
    this.hooks.metrics.configReloads.inc({ result: 'rejected' });
    this.hooks.metrics.configLastReloadSuccessful.set(0);
    this.hooks.logger.error('config reload rejected; the last good config keeps serving', { path: this.path, problems });
    return { result: 'rejected', problems };
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

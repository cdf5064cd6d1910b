import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigWatcher } from '../config/config-watcher';
import { renderEnvoyYaml } from '../config/render-envoy';
import type { RuntimeConfig } from '../config/runtime';
import { ensureEnvoy } from '../envoy-install';
import { EnvoySupervisor } from '../envoy-supervisor';
import { startFakeProviderFromCli } from '../fake-provider/fake-provider';
import { Gateway } from '../gateway';
import { onSignals } from './signals';

/**
 * `aigw up`: aigw and Envoy together. Envoy's files (bootstrap, hot-restart state) live in a
 * temporary directory that is removed on every way out: a signal, Envoy exiting on its own,
 * a failure while starting.
 */
export async function up(configPath: string, config: RuntimeConfig, fakeListen: string | undefined): Promise<void> {
  // First: without Envoy nothing else should start (it is installed here when it can be).
  const envoyBin = ensureEnvoy();
  const dir = mkdtempSync(join(tmpdir(), 'aigw-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // Also on process.exit from anywhere (an uncaught error's handler in cli.ts exits).
  process.on('exit', removeDir);
  const fake = fakeListen ? await startFakeProviderFromCli(fakeListen) : undefined;
  const gateway = await Gateway.start({ config });
  const envoy = new EnvoySupervisor({
    binary: envoyBin,
    dir,
    // Exit rather than restart Envoy: a crash loop stays visible to whatever supervises aigw
    // (systemd, Kubernetes, Docker), which restarts both cleanly (docs/lifecycle.md).
    onUnexpectedExit: (how) => {
      gateway.logger.error('Envoy exited unexpectedly; aigw up exits too, so that its supervisor restarts both', { envoy: how });
      void gateway.stop(0).finally(() => process.exit(1));
    },
  });
  envoy.run(renderEnvoyYaml(config, {}, configPath));
  process.stderr.write(`aigw: Envoy listening on http://${config.source.listener.address}:${config.source.listener.port} (${envoyBin})\n`);
  // A changed config is reloaded; when Envoy's side changed too, Envoy is hot-restarted onto it.
  const watcher = new ConfigWatcher(configPath, config, {
    apply: (next) => gateway.reload(next),
    onEnvoyChange: (next) => {
      envoy.run(renderEnvoyYaml(next, {}, configPath));
      gateway.logger.info('Envoy hot-restarted onto the new config', { epoch: envoy.restartEpoch });
    },
    logger: gateway.logger,
    metrics: gateway.metrics,
  });
  watcher.start();
  onSignals(async () => {
    watcher.stop();
    await drainThenStop(envoy, gateway);
    await fake?.close();
  });
}

/**
 * `aigw up`'s graceful stop, in the order `aigw serve` gets with an Envoy run elsewhere: Envoy
 * takes no new connection while the requests in flight finish, aigw still serving their
 * ext_proc streams, for up to server.drainSeconds; then Envoy stops, then aigw. (Stopping
 * Envoy first would cut every stream at once.)
 */
async function drainThenStop(envoy: EnvoySupervisor, gateway: Gateway): Promise<void> {
  const logger = gateway.logger;
  const drainSeconds = gateway.config.source.server.drainSeconds;
  const deadline = Date.now() + drainSeconds * 1000;
  try {
    const admin = await envoy.stopAccepting();
    gateway.markDraining();
    logger.info('Envoy draining: no new connections, in-flight requests finish', { drainSeconds });
    const left = await admin.waitUntilIdle(deadline);
    if (left === 0) logger.info('Envoy drained');
    else logger.warn('drain deadline passed; Envoy stops with requests in flight', { inFlight: left });
  } catch (error) {
    gateway.markDraining();
    logger.warn('Envoy could not be drained; stopping it', { error: (error as Error).message });
  }
  await envoy.stop();
  await gateway.stop(Math.max(0, Math.round((deadline - Date.now()) / 100) / 10));
}

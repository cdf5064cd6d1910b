#!/usr/bin/env node
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS_USAGE, KeysUsageError, runKeysCommand } from './admin/keys-command';
import { hashApiKey } from './auth/api-keys';
import { ConfigError, loadConfigFile } from './config/load';
import { ConfigWatcher } from './config/config-watcher';
import { renderEnvoyYaml } from './config/render-envoy';
import { compileConfig } from './config/runtime';
import { findEnvoy } from './envoy-binary';
import { EnvoySupervisor } from './envoy-supervisor';
import { startFakeProviderFromCli } from './fake-provider/fake-provider';
import { Gateway } from './gateway';
import { verifyChain } from './telemetry/audit-chain';
import type { ChainHead } from './telemetry/audit-chain';
import { headPath } from './telemetry/audit-log';
import { SPEND_GROUPS, parseTime, renderSpend, spendFromAuditLog } from './telemetry/spend-report';
import type { SpendGroup } from './telemetry/spend-report';

const USAGE = `aigw — an AI gateway for Envoy

Usage:
  aigw serve --config FILE              run the ext_proc and admin servers
  aigw up --config FILE [--fake-provider HOST:PORT]
                                        run aigw and Envoy together (Envoy from ENVOY_BIN or PATH)
  aigw check-config FILE                validate a config; prints every problem with its path
  aigw render-envoy FILE [--out PATH]   write the Envoy bootstrap for a config
  aigw hash-key KEY                     print the keyHash to put in callers[] for an API key
  aigw fake-provider --listen HOST:PORT run the bundled fake OpenAI provider (offline demo, tests)
  aigw audit verify FILE                check an audit log's hash chain (exit 1 on the first broken line)
  aigw spend --log FILE --by team|project|key|model [--since TIME] [--until TIME] [--json]
                                        spend and tokens per group from an audit log
  aigw keys …                           create, list, rotate, revoke keys through the admin API:
${KEYS_USAGE.replace(/^/gm, '    ')}
`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function requireOption(args: string[], name: string): string {
  const value = option(args, name) ?? (name === '--config' ? args.find((arg) => !arg.startsWith('--')) : undefined);
  if (!value) throw new UsageError(`missing ${name}`);
  return value;
}

class UsageError extends Error {}

function loadRuntime(path: string): ReturnType<typeof compileConfig> {
  return compileConfig(loadConfigFile(path));
}

/** Stops `stop` on the first SIGTERM/SIGINT, then exits. */
function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`aigw: ${signal}, draining\n`);
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`aigw: stop failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function serve(args: string[]): Promise<void> {
  const configPath = requireOption(args, '--config');
  const config = loadRuntime(configPath);
  const gateway = await Gateway.start({ config });
  // A changed config file is reloaded; Envoy-side changes are reported (this process does not run Envoy).
  const watcher = new ConfigWatcher(configPath, config, { apply: (next) => gateway.reload(next), logger: gateway.logger, metrics: gateway.metrics });
  watcher.start();
  onSignals(async () => {
    watcher.stop();
    await gateway.stop(gateway.config.source.server.drainSeconds);
  });
}

async function up(args: string[]): Promise<void> {
  const configPath = requireOption(args, '--config');
  const config = loadRuntime(configPath);
  const fakeListen = option(args, '--fake-provider');
  const fake = fakeListen ? await startFakeProviderFromCli(fakeListen) : undefined;
  const gateway = await Gateway.start({ config });
  const envoyBin = findEnvoy();
  const envoy = new EnvoySupervisor({
    binary: envoyBin,
    dir: mkdtempSync(join(tmpdir(), 'aigw-')),
    // Exit rather than restart Envoy: a crash loop stays visible to whatever supervises aigw
    // (systemd, Kubernetes, Docker), which restarts both cleanly (docs/lifecycle.md).
    onUnexpectedExit: (how) => {
      gateway.logger.error('Envoy exited unexpectedly; aigw up exits too, so that its supervisor restarts both', { envoy: how });
      void gateway.stop(0).finally(() => process.exit(1));
    },
  });
  envoy.run(renderEnvoyYaml(config, {}, configPath));
  process.stderr.write(
    `aigw: Envoy listening on http://${config.source.listener.address}:${config.source.listener.port} (${envoyBin})\n`,
  );
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

function checkConfig(args: string[]): void {
  const path = args[0];
  if (!path) throw new UsageError('missing FILE');
  const config = loadRuntime(path);
  for (const warning of config.warnings) process.stdout.write(`warning: ${warning}\n`);
  process.stdout.write(`${path}: ok (${config.models.size} models, ${config.backends.size} backends, ${config.callersByKeyDigest.size} callers)\n`);
}

function renderEnvoy(args: string[]): void {
  const path = args.find((arg) => !arg.startsWith('--') && arg !== option(args, '--out'));
  if (!path) throw new UsageError('missing FILE');
  const yaml = renderEnvoyYaml(loadRuntime(path), {}, path);
  const out = option(args, '--out');
  if (out) writeFileSync(out, yaml);
  else process.stdout.write(yaml);
}

function auditVerify(args: string[]): void {
  const path = args[0];
  if (!path) throw new UsageError('missing FILE');
  const head = existsSync(headPath(path)) ? (JSON.parse(readFileSync(headPath(path), 'utf8')) as ChainHead) : undefined;
  const result = verifyChain(readFileSync(path, 'utf8'), head);
  if (result.ok) {
    process.stdout.write(`${path}: ok, ${result.lines} records, chain intact${head ? ' up to the recorded head' : ' (no head file to check the end against)'}\n`);
    return;
  }
  process.stdout.write(`${path}: BROKEN at line ${result.line}: ${result.reason}\n`);
  process.exitCode = 1;
}

async function spend(args: string[]): Promise<void> {
  const by = option(args, '--by') ?? 'team';
  if (!(by in SPEND_GROUPS)) throw new UsageError(`--by must be one of ${Object.keys(SPEND_GROUPS).join(', ')}`);
  let since: Date | undefined;
  let until: Date | undefined;
  try {
    since = parseTime(option(args, '--since'), '--since');
    until = parseTime(option(args, '--until'), '--until');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const report = await spendFromAuditLog(requireOption(args, '--log'), { by: by as SpendGroup, since, until });
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : `${renderSpend(report)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(args);
    case 'up':
      return up(args);
    case 'check-config':
      return checkConfig(args);
    case 'render-envoy':
      return renderEnvoy(args);
    case 'audit':
      if (args[0] !== 'verify') throw new UsageError('usage: aigw audit verify FILE');
      return auditVerify(args.slice(1));
    case 'spend':
      return spend(args);
    case 'hash-key':
      if (!args[0]) throw new UsageError('missing KEY');
      process.stdout.write(`${hashApiKey(args[0])}\n`);
      return;
    case 'keys': {
      const code = await runKeysCommand(args, process.env, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
      if (code !== 0) process.exit(code);
      return;
    }
    case 'fake-provider': {
      const provider = await startFakeProviderFromCli(requireOption(args, '--listen'));
      process.stderr.write(`fake provider listening on ${provider.url}\n`);
      onSignals(() => provider.close());
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof UsageError || error instanceof KeysUsageError) {
    process.stderr.write(`aigw: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`aigw: ${(error as Error).message}\n`);
  process.exit(1);
});

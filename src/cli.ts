#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeysUsageError, runKeysCommand } from './admin/keys-command';
import { hashApiKey } from './auth/api-keys';
import { ConfigError, loadConfigFile } from './config/load';
import { ConfigWatcher } from './config/config-watcher';
import { configJsonSchema } from './config/json-schema';
import { renderEnvoyYaml } from './config/render-envoy';
import { renderEnvoyFragmentYaml } from './config/render-envoy-fragment';
import { readyHostPort } from './config/render-envoy-ready';
import { compileConfig } from './config/runtime';
import { renderK8sCommand } from './cli/render-k8s';
import { startFakeProviderFromCli } from './fake-provider/fake-provider';
import { Gateway } from './gateway';
import { UsageError, parseCommand, stringValue } from './cli/args';
import { COMMANDS, USAGE, isCommand } from './cli/commands';
import type { CommandName } from './cli/commands';
import { drainEnvoy } from './cli/drain-envoy';
import { onSignals } from './cli/signals';
import { up } from './cli/up';
import { ImportError, importEaigw } from './import/eaigw/import-eaigw';
import { ManifestError } from './import/eaigw/manifests';
import { formatNote } from './import/eaigw/resource';
import { renderImport } from './import/eaigw/render-import';
import { verifyChain } from './telemetry/audit-chain';
import type { ChainHead } from './telemetry/audit-chain';
import { headPath } from './telemetry/audit-log';
import { SPEND_GROUPS, parseTime, renderSpend, spendFromAuditLog } from './telemetry/spend-report';
import type { SpendGroup } from './telemetry/spend-report';

type Values = Record<string, string | boolean | undefined>;

function loadRuntime(path: string): ReturnType<typeof compileConfig> {
  const config = loadConfigFile(path);
  try {
    return compileConfig(config);
  } catch (error) {
    // Problems found once credentials are read name the file like the schema's do.
    if (error instanceof ConfigError) throw new ConfigError(path, error.problems);
    throw error;
  }
}

/** `--config FILE` or the one plain argument. */
function configPath(command: CommandName, values: Values, positionals: readonly string[]): string {
  const path = stringValue(values, 'config') ?? positionals[0];
  if (!path) throw new UsageError(`aigw ${command}: missing --config FILE`, COMMANDS[command].usage);
  return path;
}

async function serve(path: string): Promise<void> {
  const config = loadRuntime(path);
  const gateway = await Gateway.start({ config });
  // A changed config file is reloaded; Envoy-side changes are reported (this process does not run Envoy).
  const watcher = new ConfigWatcher(path, config, { apply: (next) => gateway.reload(next), logger: gateway.logger, metrics: gateway.metrics });
  watcher.start();
  onSignals(async () => {
    watcher.stop();
    await gateway.stop(gateway.config.source.server.drainSeconds);
  });
}

function checkConfig(path: string): void {
  const config = loadRuntime(path);
  for (const warning of config.warnings) process.stdout.write(`warning: ${warning}\n`);
  process.stdout.write(`${path}: ok (${config.models.size} models, ${config.backends.size} backends, ${config.callersByKeyDigest.size} callers)\n`);
}

/** Writes `text` to --out, or to stdout. */
function output(values: Values, text: string): void {
  const out = stringValue(values, 'out');
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/** `render-envoy --fragment`: what to add to an existing Envoy. */
function renderFragment(values: Values, path: string): void {
  if (values.listen !== undefined) throw new UsageError('aigw render-envoy: --listen applies to the whole bootstrap, not --fragment', COMMANDS['render-envoy'].usage);
  const domains = stringValue(values, 'domain')?.split(',').map((domain) => domain.trim()).filter(Boolean);
  const source = domains ? `${path} --domain ${domains.join(',')}` : path;
  output(values, renderEnvoyFragmentYaml(loadRuntime(path), { domains }, source));
}

function auditVerify(path: string): void {
  const head = existsSync(headPath(path)) ? (JSON.parse(readFileSync(headPath(path), 'utf8')) as ChainHead) : undefined;
  const result = verifyChain(readFileSync(path, 'utf8'), head);
  if (result.ok) {
    process.stdout.write(`${path}: ok, ${result.lines} records, chain intact${head ? ' up to the recorded head' : ' (no head file to check the end against)'}\n`);
    return;
  }
  process.stdout.write(`${path}: BROKEN at line ${result.line}: ${result.reason}\n`);
  process.exitCode = 1;
}

async function spend(values: Values): Promise<void> {
  const usage = COMMANDS.spend.usage;
  const by = stringValue(values, 'by') ?? 'team';
  if (!(by in SPEND_GROUPS)) throw new UsageError(`aigw spend: --by must be one of ${Object.keys(SPEND_GROUPS).join(', ')}`, usage);
  const log = stringValue(values, 'log');
  if (!log) throw new UsageError('aigw spend: missing --log FILE', usage);
  let since: Date | undefined;
  let until: Date | undefined;
  try {
    since = parseTime(stringValue(values, 'since'), '--since');
    until = parseTime(stringValue(values, 'until'), '--until');
  } catch (error) {
    throw new UsageError(`aigw spend: ${(error as Error).message}`, usage);
  }
  const report = await spendFromAuditLog(log, { by: by as SpendGroup, since, until });
  process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${renderSpend(report)}\n`);
}

/** `import eaigw`: the config to --out or stdout, each field not carried over as a warning on stderr. */
function importFromEaigw(values: Values, paths: readonly string[]): void {
  const files = paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  try {
    const result = importEaigw(files, { secretDir: stringValue(values, 'secret-dir') });
    for (const note of result.notes) process.stderr.write(`warning: ${formatNote(note)}\n`);
    output(values, renderImport(result, paths));
    const out = stringValue(values, 'out');
    process.stderr.write(`imported ${result.config.models.length} models and ${result.config.backends.length} backends${out ? ` into ${out}` : ''}; ${result.notes.length} notes\n`);
  } catch (error) {
    if (error instanceof ImportError) {
      for (const note of error.notes) process.stderr.write(`warning: ${formatNote(note)}\n`);
      throw new Error(`import eaigw: ${error.message}`);
    }
    if (error instanceof ManifestError) throw new Error(`import eaigw: ${error.message}`);
    throw error;
  }
}

/** The package version, from the package.json above this file (dist/src or src). */
function version(): string {
  for (const up of ['..', join('..', '..')]) {
    const file = join(__dirname, up, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

async function run(command: CommandName, args: readonly string[]): Promise<void> {
  if (command === 'keys') {
    if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(`${COMMANDS.keys.usage}\n`);
    const code = await runKeysCommand(args, process.env, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
    if (code !== 0) process.exit(code);
    return;
  }
  const parsed = parseCommand(COMMANDS[command], args);
  if (parsed.help) return void process.stdout.write(`${COMMANDS[command].usage}\n`);
  const { values, positionals } = parsed;
  switch (command) {
    case 'serve':
      return serve(configPath(command, values, positionals));
    case 'up': {
      const path = configPath(command, values, positionals);
      return up(path, loadRuntime(path), stringValue(values, 'fake-provider'));
    }
    case 'check-config':
      return checkConfig(positionals[0]);
    case 'render-envoy': {
      if (values.fragment === true) return renderFragment(values, positionals[0]);
      if (values.domain !== undefined) throw new UsageError('aigw render-envoy: --domain applies to --fragment only', COMMANDS['render-envoy'].usage);
      const listenerAddress = stringValue(values, 'listen');
      const readyAddress = stringValue(values, 'ready');
      if (readyAddress !== undefined) {
        try {
          readyHostPort(readyAddress);
        } catch (error) {
          throw new UsageError(`aigw render-envoy: ${(error as Error).message}`, COMMANDS['render-envoy'].usage);
        }
      }
      const source = [positionals[0], ...(listenerAddress ? ['--listen', listenerAddress] : []), ...(readyAddress ? ['--ready', readyAddress] : [])].join(' ');
      return output(values, renderEnvoyYaml(loadRuntime(positionals[0]), { listenerAddress, readyAddress }, source));
    }
    case 'drain-envoy': {
      const seconds = (name: string, fallback: number): number => {
        const text = stringValue(values, name);
        if (text === undefined) return fallback;
        if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`aigw drain-envoy: --${name} must be a number of seconds, not ${text}`, COMMANDS[command].usage);
        return Number(text);
      };
      const options = { acceptSeconds: seconds('accept-seconds', 5), drainSeconds: seconds('drain-seconds', 30) };
      const left = await drainEnvoy({ admin: stringValue(values, 'admin') ?? '127.0.0.1:9901', ...options, doneFile: stringValue(values, 'done-file'), log: (line) => process.stderr.write(`${line}\n`) });
      if (left > 0) process.exitCode = 1;
      return;
    }
    case 'render-k8s':
      return output(values, renderK8sCommand(values, positionals[0], loadRuntime));
    case 'schema':
      return output(values, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    case 'audit verify':
      return auditVerify(positionals[0]);
    case 'spend':
      return spend(values);
    case 'import eaigw':
      return importFromEaigw(values, positionals);
    case 'hash-key':
      return void process.stdout.write(`${hashApiKey(positionals[0])}\n`);
    case 'fake-provider': {
      const listen = stringValue(values, 'listen');
      if (!listen) throw new UsageError('aigw fake-provider: missing --listen HOST:PORT', COMMANDS[command].usage);
      const provider = await startFakeProviderFromCli(listen);
      process.stderr.write(`fake provider listening on ${provider.url}\n`);
      onSignals(() => provider.close());
      return;
    }
    case 'version':
      return void process.stdout.write(`aigw ${version()}\n`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return void process.stdout.write(USAGE);
  if (first === '--version' || first === '-v') return run('version', []);
  if (first === 'audit') {
    if (rest[0] !== 'verify') throw new UsageError(rest[0] ? `aigw audit: unknown subcommand ${rest[0]}` : 'aigw audit: missing subcommand', COMMANDS['audit verify'].usage);
    return run('audit verify', rest.slice(1));
  }
  if (first === 'import') {
    if (rest[0] !== 'eaigw') throw new UsageError(rest[0] ? `aigw import: unknown source ${rest[0]} (eaigw: Envoy AI Gateway)` : 'aigw import: missing source (eaigw)', COMMANDS['import eaigw'].usage);
    return run('import eaigw', rest.slice(1));
  }
  if (first.startsWith('-')) throw new UsageError(`aigw: unknown option ${first}`, USAGE);
  if (first === 'audit verify' || first === 'import eaigw' || !isCommand(first)) throw new UsageError(`aigw: unknown command ${first}`, USAGE);
  return run(first, rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${error.usage === USAGE ? USAGE : `Usage: ${error.usage}\n`}`);
    process.exit(2);
  }
  if (error instanceof KeysUsageError) {
    process.stderr.write(`aigw keys: ${error.message}\n\nUsage:\n${COMMANDS.keys.usage}\n`);
    process.exit(2);
  }
  process.stderr.write(`aigw: ${(error as Error).message}\n`);
  process.exit(1);
});

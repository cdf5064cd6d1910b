/**
 * aigw benchmark: Envoy + aigw against Envoy alone, both proxying to the same in-process
 * fake provider, measured in the same run. Not part of `npm test`.
 *
 *   npm run bench -- [--rate 1000] [--duration 10] [--connections 64] [--quick] [--no-wrk] [--keep]
 *
 * --quick: small counts for a ~20 s smoke run; --no-wrk: Node closed loop even if wrk is on
 * PATH; --keep: keep the temp directory (configs, aigw and Envoy logs) and print its path.
 *
 * Writes perf/results/bench-<timestamp>.json and prints a table.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { CpuMeter, openLoopPhase, streamingPhase, throughputPhase, translatedStreamingPhase, translatedStreamSpecs, unloadedPhase } from './phases';
import type { PhaseParameters } from './phases';
import { cleanupSync, envoyVersion, installCleanup, makeTempDir, onPath, statusBytes } from './processes';
import { renderText, writeReport } from './report';
import type { BenchReport, GoalCheck } from './report';
import { chatBody, startTargets, stopTargets, TARGET_NAMES } from './setup';
import type { TargetName, Targets } from './setup';
import { fetchText, makeAgent, send } from './http-client';
import { parseBenchArgs, UsageError } from './args';
import type { BenchArgs } from './args';

const USAGE = 'usage: npm run bench -- [--rate 1000] [--duration 10] [--connections 64] [--quick] [--no-wrk] [--keep]';

function phaseParameters(args: BenchArgs, dir: string): PhaseParameters {
  const wrk = args.noWrk ? undefined : onPath('wrk');
  return {
    rate: args.rate,
    durationSeconds: args.duration,
    openLoopWarmupSeconds: args.quick ? 0.5 : 2,
    maxSockets: 512,
    unloadedWarmup: args.quick ? 100 : 300,
    unloadedCount: args.quick ? 400 : 2000,
    block: 100,
    streamingWarmup: args.quick ? 20 : 50,
    streamingCount: args.quick ? 100 : 300,
    connections: args.connections,
    throughputSeconds: args.duration,
    throughputWarmupSeconds: args.quick ? 0.5 : 1,
    ...(wrk !== undefined ? { wrk } : {}),
    dir,
  };
}

/** The parameters as recorded in the report (no paths). */
function reportParameters(p: PhaseParameters, quick: boolean): Record<string, string | number | boolean> {
  const recorded: Record<string, string | number | boolean> = { quick, throughputTool: p.wrk !== undefined ? 'wrk' : 'node' };
  for (const [key, value] of Object.entries(p)) {
    if (key !== 'dir' && key !== 'wrk' && (typeof value === 'number' || typeof value === 'boolean')) recorded[key] = value;
  }
  return recorded;
}

/** One request of each kind to each target: fail fast, with the reason, if a target is broken. */
async function sanityCheck(targets: Targets): Promise<void> {
  const agent = makeAgent(1);
  try {
    for (const [name, port] of Object.entries(targets.ports)) {
      for (const stream of [false, true]) {
        const outcome = await send({ port, body: chatBody(stream), stream }, agent, 10000);
        if (!outcome.ok) throw new Error(`sanity request to ${name} (stream=${stream}) failed: ${outcome.error ?? ''}`);
      }
    }
    // The translated stream must arrive whole in the client's format, not as an error event in a 200.
    const translated = translatedStreamSpecs(targets);
    const expected: Record<TargetName, string> = { envoy: 'event: message_stop', aigw: 'data: [DONE]' };
    for (const name of TARGET_NAMES) {
      const { status, body } = await fetchText(translated[name], 10000);
      if (status !== 200 || !body.includes(expected[name]) || body.includes('"error"')) {
        throw new Error(`sanity translated stream to ${name} (${translated[name].path ?? ''}) failed: HTTP ${status}: ${body.slice(-300)}`);
      }
    }
  } finally {
    agent.destroy();
  }
}

function machineInfo(envoyBin: string): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    envoy: envoyVersion(envoyBin),
    envoyBin,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function goals(report: Omit<BenchReport, 'goals'>): GoalCheck[] {
  const check = (goal: string, actual: number, limit: number, unit: string): GoalCheck => ({ goal, actual, limit, unit, met: actual <= limit });
  const rate = report.openLoop.rate;
  const at = rate === 1000 ? 'at 1000 req/s' : `at ${rate} req/s (goal is for 1000)`;
  return [
    check('unloaded added p50', report.unloaded.added.p50, 0.5, 'ms'),
    check('unloaded added p99', report.unloaded.added.p99, 1.5, 'ms'),
    check(`added p99 ${at}`, report.openLoop.added.p99, 3, 'ms'),
    check(`aigw errors ${at}`, report.openLoop.aigw.errors, 0, 'errors'),
    check('aigw peak RSS', report.memory.aigwPeakRssMb, 150, 'MB'),
  ];
}

async function main(): Promise<void> {
  installCleanup();
  const args = parseBenchArgs(process.argv.slice(2));
  const dir = makeTempDir('aigw-bench-', !args.keep);
  if (args.keep) process.stderr.write(`bench: configs and logs in ${dir}\n`);
  const provider = await FakeProvider.start({ port: 0 });
  // The provider records every request; the bench never needs them.
  const resetTimer = setInterval(() => provider.reset(), 1000);
  let targets: Targets | undefined;
  try {
    process.stderr.write('bench: starting aigw and two Envoys...\n');
    targets = await startTargets(provider.port, dir);
    const rssAfterStart = statusBytes(targets.aigw.pid, 'VmRSS');
    await sanityCheck(targets);
    const parameters = phaseParameters(args, dir);
    const meter = new CpuMeter(targets);
    const started = new Date();

    process.stderr.write('bench: 1/5 unloaded latency\n');
    const unloaded = await unloadedPhase(meter, targets, parameters);
    process.stderr.write(`bench: 2/5 open loop at ${args.rate} req/s\n`);
    const openLoop = await openLoopPhase(meter, targets, parameters);
    process.stderr.write(`bench: 3/5 peak throughput (${parameters.wrk !== undefined ? 'wrk' : 'node closed loop'})\n`);
    const throughput = await throughputPhase(meter, targets, parameters);
    process.stderr.write('bench: 4/5 streaming time to first event\n');
    const streaming = await streamingPhase(meter, targets, parameters);
    process.stderr.write('bench: 5/5 translated streaming (OpenAI → Anthropic) against Anthropic straight through Envoy\n');
    const translatedStreaming = await translatedStreamingPhase(meter, targets, parameters);
    const peakRss = statusBytes(targets.aigw.pid, 'VmHWM');

    const partial: Omit<BenchReport, 'goals'> = {
      timestamp: started.toISOString(),
      machine: machineInfo(targets.envoyBin),
      parameters: reportParameters(parameters, args.quick),
      notes: [
        `the load generator and fake provider (this process), both Envoys and aigw share ${os.cpus().length} cores over loopback; open-loop latencies include the generator's start lag`,
        'envoy alone = router to a STATIC HTTP/1.1 cluster, no ext_proc, no access log; envoy + aigw = the bootstrap aigw renders (ext_proc router + upstream filters, JSON access log to /dev/null), aigw a separate `aigw serve` process logging at info to a file',
        ...(parameters.wrk === undefined ? ['peak throughput uses the Node closed loop in this process, which competes for the same cores: treat it as a lower bound'] : []),
      ],
      unloaded,
      openLoop,
      throughput,
      streaming,
      translatedStreaming,
      cpu: meter.phases,
      memory: { aigwRssAfterStartMb: Math.round((rssAfterStart / 2 ** 20) * 10) / 10, aigwPeakRssMb: Math.round((peakRss / 2 ** 20) * 10) / 10 },
    };
    const report: BenchReport = { ...partial, goals: goals(partial) };
    const path = writeReport(report, resolve(__dirname, '..', '..', 'perf', 'results'));
    process.stdout.write(`${renderText(report)}\n\nresults: ${path}\n`);
  } finally {
    clearInterval(resetTimer);
    if (targets !== undefined) await stopTargets(targets);
    await provider.close();
  }
}

main().then(
  () => {
    cleanupSync();
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
      cleanupSync();
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanupSync();
    process.exit(1);
  },
);

/**
 * Peak throughput with `wrk` (used instead of the Node closed loop when wrk is on PATH):
 * a Lua script sets the POST body and headers, and the summary is parsed from wrk's output.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_KEY, CHAT_PATH } from './setup';

/** Throughput numbers of one target, from wrk. */
export interface WrkResult {
  requestsPerSecond: number;
  /** Requests wrk completed, warm-up run included. */
  sent: number;
  /** Non-2xx responses plus socket errors. */
  errors: number;
  errorKinds: Record<string, number>;
  /** Latency percentiles wrk reports (ms); NaN when missing. */
  p50: number;
  p90: number;
  p99: number;
  /** wrk's own output of the measured run (for debugging). */
  output: string;
}

/** How a wrk run goes. */
export interface WrkOptions {
  connections: number;
  durationSeconds: number;
  /** Seconds of an unreported wrk run first (connections open, JIT warm). */
  warmupSeconds: number;
}

function luaScript(body: Buffer): string {
  return [
    'wrk.method = "POST"',
    `wrk.body = [==[${body.toString('utf8')}]==]`,
    'wrk.headers["content-type"] = "application/json"',
    `wrk.headers["authorization"] = "Bearer ${BENCH_KEY}"`,
    '',
  ].join('\n');
}

function runWrkOnce(bin: string, args: string[], timeoutMs: number): Promise<string> {
  // Asynchronous on purpose: the fake provider lives in this process's event loop.
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function toMs(value: string, unit: string): number {
  const number = Number(value);
  if (unit === 'us') return number / 1000;
  if (unit === 's') return number * 1000;
  if (unit === 'm') return number * 60000;
  return number;
}

function percentile(output: string, label: string): number {
  const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  return match ? toMs(match[1], match[2]) : Number.NaN;
}

/** Parses wrk's `--latency` summary. */
export function parseWrkOutput(output: string, durationSeconds: number): WrkResult {
  const requests = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  const total = requests ? Number(requests[1]) : 0;
  const seconds = requests ? toMs(requests[2], requests[3]) / 1000 : durationSeconds;
  const errorKinds: Record<string, number> = {};
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) errorKinds['non-2xx/3xx'] = Number(non2xx[1]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (socket) {
    ['connect', 'read', 'write', 'timeout'].forEach((kind, index) => {
      const count = Number(socket[index + 1]);
      if (count > 0) errorKinds[`socket ${kind}`] = count;
    });
  }
  // Read and timeout socket errors are not counted as requests by wrk; non-2xx are.
  const failedResponses = errorKinds['non-2xx/3xx'] ?? 0;
  const errors = Object.values(errorKinds).reduce((sum, count) => sum + count, 0);
  return {
    requestsPerSecond: seconds > 0 ? (total - failedResponses) / seconds : 0,
    sent: total,
    errors,
    errorKinds,
    p50: percentile(output, '50'),
    p90: percentile(output, '90'),
    p99: percentile(output, '99'),
    output,
  };
}

/** Runs wrk (a warm-up run, then the measured one) against a target's listener; `core` pins it with taskset. */
export async function runWrk(wrk: string, port: number, body: Buffer, options: WrkOptions, dir: string, core?: string): Promise<WrkResult> {
  const bin = core === undefined ? wrk : 'taskset';
  const pin = core === undefined ? [] : ['-c', core, wrk];
  const script = join(dir, 'bench.lua');
  writeFileSync(script, luaScript(body));
  const url = `http://127.0.0.1:${port}${CHAT_PATH}`;
  const args = (seconds: number): string[] => [...pin, '-t1', `-c${options.connections}`, `-d${seconds}s`, '--latency', '-s', script, url];
  let warmupRequests = 0;
  if (options.warmupSeconds > 0) {
    const warmup = await runWrkOnce(bin, args(Math.max(1, Math.round(options.warmupSeconds))), (options.warmupSeconds + 30) * 1000);
    warmupRequests = parseWrkOutput(warmup, options.warmupSeconds).sent;
  }
  // wrk takes whole seconds.
  const seconds = Math.max(1, Math.round(options.durationSeconds));
  const output = await runWrkOnce(bin, args(seconds), (seconds + 30) * 1000);
  const result = parseWrkOutput(output, seconds);
  return { ...result, sent: result.sent + warmupRequests };
}

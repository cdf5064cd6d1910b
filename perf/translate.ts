/**
 * Translation CPU, in process: the real translators (registry createTranslator on compiled
 * backends) timed on a ~10 KB chat request, recorded non-streamed responses, and long
 * streams fed one upstream event per responseBody() call. No Envoy, no network.
 *
 *   npm run bench:translate -- [--quick] [--deltas 2000] [--passes 20] [--iterations 3000] [--only TEXT]
 *
 * Writes perf/results/translate-<timestamp>.json and prints a table. To see where a case
 * spends its time: `node --cpu-prof --cpu-prof-dir /tmp/prof dist/perf/translate.js --only gemini`.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { parseClientRequest } from '../src/api/client-request';
import { parseTranslateArgs, UsageError } from './args';
import type { TranslateArgs } from './args';
import { clientBody, checkStream, parsedRequest, REQUEST_PAIRS, RESPONSE_CASES, responseBody, STREAM_CASES, translatorFor } from './translate-cases';
import { measureOperation, measureStream } from './translate-measure';
import { CHUNK_TARGET_MICROS, renderTranslateText, writeTranslateReport } from './translate-report';
import type { OperationResult, StreamResult, TranslateReport } from './translate-report';
import { round } from './stats';

const USAGE = 'usage: npm run bench:translate -- [--quick] [--deltas 2000] [--passes 20] [--iterations 3000] [--only TEXT]';

function selected(args: TranslateArgs, name: string): boolean {
  return args.only === undefined || name.toLowerCase().includes(args.only.toLowerCase());
}

function counts(args: TranslateArgs): { warmup: number; iterations: number } {
  return { warmup: Math.max(50, Math.round(args.iterations / 3)), iterations: args.iterations };
}

async function requestResults(args: TranslateArgs): Promise<OperationResult[]> {
  const results: OperationResult[] = [];
  for (const api of ['openai-chat', 'anthropic-messages'] as const) {
    const name = `router: parse ${api === 'openai-chat' ? 'OpenAI chat' : 'Anthropic Messages'} body`;
    if (!selected(args, name)) continue;
    const raw = clientBody(api, 'openai', true);
    const measured = await measureOperation(() => parseClientRequest(api, raw), counts(args));
    results.push({ name, bytesIn: raw.length, bytesOut: 0, ...measured });
  }
  for (const pair of REQUEST_PAIRS) {
    if (!selected(args, pair.name)) continue;
    const request = parsedRequest(pair, true);
    const upstream = await translatorFor(pair, request).requestBody();
    const measured = await measureOperation(() => translatorFor(pair, request).requestBody(), counts(args));
    results.push({ name: pair.name, bytesIn: request.rawBody.length, bytesOut: upstream.body.length, ...measured });
  }
  return results;
}

async function responseResults(args: TranslateArgs): Promise<OperationResult[]> {
  const results: OperationResult[] = [];
  for (const item of RESPONSE_CASES) {
    if (!selected(args, item.name)) continue;
    const request = parsedRequest(item.pair, false);
    const body = responseBody(item);
    const check = translatorFor(item.pair, request);
    const output = check.responseBody(body, true) ?? body;
    if (check.usage() === undefined) throw new Error(`${item.name}: no usage read from ${item.fixture}`);
    const measured = await measureOperation(() => translatorFor(item.pair, request).responseBody(body, true), counts(args));
    results.push({ name: item.name, bytesIn: body.length, bytesOut: output.length, ...measured });
  }
  return results;
}

function streamResults(args: TranslateArgs): StreamResult[] {
  const results: StreamResult[] = [];
  for (const item of STREAM_CASES) {
    if (!selected(args, item.name)) continue;
    const request = parsedRequest(item.pair, true);
    const events = item.events(args.deltas);
    const problem = checkStream(item, request, events, args.deltas);
    if (problem !== undefined) throw new Error(`${item.name}: ${problem}`);
    const measured = measureStream(
      () => {
        const translator = translatorFor(item.pair, request);
        return (chunk: Buffer, end: boolean) => translator.responseBody(chunk, end);
      },
      events,
      args.passes,
      Math.max(2, Math.round(args.passes / 4)),
    );
    const bytes = events.reduce((sum, event) => sum + event.length, 0);
    results.push({
      name: item.name,
      eventsPerStream: events.length,
      meanEventBytes: round(bytes / events.length, 1),
      ...measured,
      cpuMicros: round(measured.cpuMicros, 3),
      meetsTarget: measured.cpuMicros <= CHUNK_TARGET_MICROS,
    });
  }
  return results;
}

async function main(): Promise<void> {
  const args = parseTranslateArgs(process.argv.slice(2));
  const started = new Date();
  process.stderr.write('bench:translate: 1/3 requests\n');
  const requests = (await requestResults(args)).map((row) => ({ ...row, cpuMicros: round(row.cpuMicros, 2) }));
  process.stderr.write('bench:translate: 2/3 non-streamed responses\n');
  const responses = (await responseResults(args)).map((row) => ({ ...row, cpuMicros: round(row.cpuMicros, 2) }));
  process.stderr.write(`bench:translate: 3/3 streams of ${args.deltas} deltas\n`);
  const streams = streamResults(args);
  const cpus = os.cpus();
  const report: TranslateReport = {
    timestamp: started.toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      node: process.version,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadAverage1m: round(os.loadavg()[0], 2),
    },
    parameters: { quick: args.quick, deltas: args.deltas, passes: args.passes, iterations: args.iterations, ...(args.only !== undefined ? { only: args.only } : {}) },
    notes: [
      'cpu = process.cpuUsage() (user + system, all threads, GC included) over an untimed loop, divided by operations; p50/p99 = performance.now() around each operation in a second loop',
      'request rows: the client body has stream: true (so the OpenAI pass-through re-serializes to add stream_options.include_usage); the translator is built per run, the body parsed once outside the loop (the router rows time the parse)',
      'stream rows: one whole upstream event per responseBody() call; a fresh translator per stream, built outside the timing',
    ],
    requests,
    responses,
    streams,
  };
  const path = writeTranslateReport(report, resolve(__dirname, '..', '..', 'perf', 'results'));
  process.stdout.write(`${renderTranslateText(report)}\n\nresults: ${path}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:translate: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench:translate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

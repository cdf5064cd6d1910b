/**
 * Guardrail CPU, in process: the real policy (every built-in detector, redact) on
 *   - a 100 KB chat prompt with personal data sprinkled through it (the whole request check:
 *     walking the messages, every detector, redaction, the new body), and on prose without any;
 *   - a streamed OpenAI chat response, one SSE event of a few words per chunk, through the
 *     StreamGuard (SSE parsing, JSON, every detector's open tail, re-serialising), against the
 *     same stream with no guard;
 *   - the worst streams for a guard that holds text back (issue 18): a 16 KB private key block
 *     that never closes over 4,000 chunks, a 16,000-digit run, 4,000 email candidates without a
 *     domain, a 16 KB JWT-like run. Each chunk must cost about what an ordinary one does.
 * Targets to report against (issues 6 and 18): ≤ 1 ms per 100 KB prompt; ≤ 20 µs per streamed
 * chunk, ordinary or worst case.
 *
 *   npm run bench:guardrails -- [--quick]
 *
 * Writes perf/results/guardrails-<timestamp>.json and prints a table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseClientRequest } from '../src/api/client-request';
import { validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import { GuardrailRun } from '../src/guardrails/guardrail-run';
import { BUILTIN_DETECTOR_NAMES } from '../src/guardrails/builtin-detectors';
import { createLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { round } from './stats';
import { measureOperation, measureStream } from './translate-measure';
import type { ChunkSink, Measurement } from './translate-measure';

const quick = process.argv.includes('--quick');

const PROSE =
  'The quarterly review covered onboarding, the migration plan and the support backlog. ' +
  'Teams agreed to move the reporting jobs next sprint and to revisit the budget in March. ';
const PERSONAL = [
  'Contact jane.doe@example.com or +1 415 555 2671. ',
  'Card on file 4111 1111 1111 1111, SSN 123-45-6789. ',
  'Server 10.20.30.40 and key AKIAIOSFODNN7EXAMPLE. ',
];

/** About `bytes` of prose, with one personal-data sentence every ~2 KB when `withPersonal`. */
function prompt(bytes: number, withPersonal: boolean): string {
  let text = '';
  let i = 0;
  while (text.length < bytes) {
    text += PROSE;
    if (withPersonal && text.length % 2048 < PROSE.length) text += PERSONAL[i++ % PERSONAL.length];
  }
  return text.slice(0, bytes);
}

const runtime = compileConfig(
  validateConfig({
    backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
    models: [{ name: 'm', backends: [{ backend: 'b' }] }],
    guardrails: { maxTextBytes: 4 * 1024 * 1024, default: { rules: [{ detectors: [...BUILTIN_DETECTOR_NAMES], action: 'redact' }] } },
  }),
  {},
);
const identity = { caller: 'bench', team: 't', project: 'p' };
const policy = runtime.guardrails?.policyFor(identity, 'm');
if (!policy) throw new Error('no policy');
const services = { metrics: new GatewayMetrics({ defaultMetrics: false }), logger: createLogger('error') };
const context = { requestId: 'r', caller: 'bench', team: 't', project: 'p', model: 'm', api: 'openai-chat', policy: 'default' };
const newRun = (): GuardrailRun => new GuardrailRun(policy, context, services);

function chatRequest(text: string): ReturnType<typeof parseClientRequest> {
  return parseClientRequest('openai-chat', Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }] })));
}

/** OpenAI chat SSE events of ~4 words each (about one token per word). */
function chatEvents(count: number): Buffer[] {
  const words = (PROSE + PERSONAL[0]).split(' ');
  const events: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const content = words.slice((i * 4) % words.length, ((i * 4) % words.length) + 4).join(' ') + ' ';
    events.push(Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`));
  }
  events.push(Buffer.from('data: [DONE]\n\n'));
  return events;
}

/** The content of chunk `i` of each worst-case stream (4,000 chunks of about 4 characters). */
const WORST_CASES: ReadonlyArray<[string, (i: number) => string]> = [
  ['16 KB private key block, never closed', (i) => (i === 0 ? '-----BEGIN RSA PRIVATE KEY-----\n' : 'MIIB')],
  ['16,000-digit run', () => '4111'],
  ['4,000 email candidates without a domain', (i) => ['jane', '.doe', '@exa', 'mple '][i % 4]],
  ['16 KB JWT-like run', (i) => (i === 0 ? 'eyJh' : 'bGci')],
];

/** OpenAI chat SSE events with the given contents. */
function contentEvents(count: number, content: (i: number) => string): Buffer[] {
  const events: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    events.push(Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: content(i) }, finish_reason: null }] })}\n\n`));
  }
  events.push(Buffer.from('data: [DONE]\n\n'));
  return events;
}

interface Row {
  name: string;
  measurement: Measurement;
  target?: string;
  /** Chunks per stream, for the CPU of a whole stream. */
  streamChunks?: number;
}

async function main(): Promise<void> {
  const iterations = quick ? 60 : 400;
  const rows: Row[] = [];
  for (const [name, withPersonal] of [
    ['100 KB prompt, personal data every ~2 KB: whole request check', true],
    ['100 KB prompt, no personal data: whole request check', false],
  ] as const) {
    const request = chatRequest(prompt(100 * 1024, withPersonal));
    const checked = await newRun().checkRequest(request);
    if (withPersonal === (checked === request)) throw new Error(`${name}: unexpected redaction result`);
    rows.push({ name, measurement: await measureOperation(() => newRun().checkRequest(request), { warmup: iterations / 4, iterations }), target: '≤ 1000 µs' });
  }
  const guardSink = (): ChunkSink => {
    const guard = newRun().streamGuard('openai-chat', 'openai');
    if (!guard) throw new Error('no stream guard');
    return (chunk, end) => guard.push(chunk, end);
  };
  const events = chatEvents(quick ? 500 : 2000);
  const passes = quick ? 4 : 20;
  rows.push({ name: 'streamed chat response: per chunk, guarded', measurement: measureStream(guardSink, events, passes, 2), target: '≤ 20 µs', streamChunks: events.length });
  rows.push({ name: 'streamed chat response: per chunk, no guard (pass-through)', measurement: measureStream(() => () => undefined, events, passes, 2), streamChunks: events.length });
  for (const [name, content] of WORST_CASES) {
    const worst = contentEvents(4000, content);
    rows.push({ name: `worst case, ${name}: per chunk, guarded`, measurement: measureStream(guardSink, worst, quick ? 2 : 6, 1), target: '≤ 20 µs', streamChunks: worst.length });
    rows.push({ name: `worst case, ${name}: per chunk, no guard`, measurement: measureStream(() => () => undefined, worst, quick ? 2 : 6, 1), streamChunks: worst.length });
  }

  const report = { when: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, quick, detectors: BUILTIN_DETECTOR_NAMES, rows };
  const dir = resolve(__dirname, '..', '..', 'perf', 'results');
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `guardrails-${report.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const lines = [`${'case'.padEnd(84)} CPU µs/op   p50 µs   p99 µs  CPU ms/stream   target`];
  for (const row of rows) {
    const m = row.measurement;
    const perStream = row.streamChunks === undefined ? '' : String(round((m.cpuMicros * row.streamChunks) / 1000, 1));
    lines.push(`${row.name.padEnd(84)} ${String(round(m.cpuMicros, 2)).padStart(9)} ${String(m.wallMicros.p50).padStart(8)} ${String(m.wallMicros.p99).padStart(8)} ${perStream.padStart(14)}   ${row.target ?? ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\nresults: ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

/**
 * MCP gateway benchmark: what Envoy + aigw add to a `tools/call`, measured in one run
 * against the same upstream MCP server called directly. Not part of `npm test`.
 *
 *   npm run bench:mcp -- [--calls 2000] [--quick]
 *
 * The upstream is a real SDK server (McpServer + StreamableHTTPServerTransport; this script
 * started again with --upstream, so it has its own process and event loop). Three targets,
 * each an SDK Client + StreamableHTTPClientTransport in this process with one session:
 * - direct: the client talks to the upstream server;
 * - node proxy: through a bare pass-through Node HTTP proxy (this script with --proxy): the
 *   floor of any gateway written in Node, one extra hop and no MCP work;
 * - aigw: the client talks to aigw's MCP listener (no Envoy);
 * - envoy+aigw: the client talks to Envoy's /mcp, routed to aigw (the deployed path).
 * Calls are sequential (unloaded), in interleaved blocks so drift hits every target alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { hashApiKey } from '../src/auth/api-keys';
import { validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { TestMcpServer } from '../src/mcp/test-server';
import { UsageError } from './args';
import { cleanupSync, freePort, installCleanup, makeTempDir, spawnLogged, stopChild, waitForAigw, waitForEnvoy, waitUntil } from './processes';
import { fmt, table } from './report';
import { roundSummary, summarize } from './stats';
import type { Summary } from './stats';
import { cliPath } from './setup';

const USAGE = 'usage: npm run bench:mcp -- [--calls 2000] [--quick]';
const KEY = 'sk-bench-mcp';
const TARGETS = ['direct', 'node proxy', 'aigw', 'envoy+aigw'] as const;
type Target = (typeof TARGETS)[number];

function parseArgs(argv: readonly string[]): { calls: number; quick: boolean } {
  for (const [index, arg] of argv.entries()) {
    if (arg.startsWith('--') && !['--calls', '--quick'].includes(arg)) throw new UsageError(`unknown option ${arg}`);
    if (!arg.startsWith('--') && argv[index - 1] !== '--calls') throw new UsageError(`unexpected argument ${arg}`);
  }
  const quick = argv.includes('--quick');
  const index = argv.indexOf('--calls');
  const calls = index === -1 ? (quick ? 300 : 2000) : Number(argv[index + 1]);
  if (!Number.isInteger(calls) || calls < 100) throw new UsageError('--calls needs a whole number ≥ 100');
  return { calls, quick };
}

/** `--proxy <port> <upstream port>`: pipe every request to the upstream and its answer back, nothing else. */
async function serveProxy(port: number, upstreamPort: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((request, response) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, path: request.url, method: request.method, headers: request.headers, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  await new Promise<void>((resolveListen) => server.listen(port, '127.0.0.1', () => resolveListen()));
}

/** `--upstream <port>`: serve the upstream MCP server until killed. */
async function serveUpstream(port: number): Promise<void> {
  await TestMcpServer.start({ name: 'bench', tools: [{ name: 'echo', description: 'Echoes the text back' }] }, port);
  process.stdout.write(`upstream listening on ${port}\n`);
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** One tools/call, checked; returns its wall time in ms. */
async function timedCall(client: Client, name: string, index: number): Promise<number> {
  const started = performance.now();
  const result = await client.callTool({ name, arguments: { text: `call ${index}` } });
  const elapsed = performance.now() - started;
  const text = (result.content as Array<{ text?: string }>)[0]?.text;
  if (text !== `bench/echo: call ${index}`) throw new Error(`unexpected answer ${JSON.stringify(result)}`);
  return elapsed;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--upstream') return serveUpstream(Number(argv[1]));
  if (argv[0] === '--proxy') return serveProxy(Number(argv[1]), Number(argv[2]));
  installCleanup();
  const args = parseArgs(argv);
  const dir = makeTempDir('aigw-bench-mcp-');
  const [upstreamPort, listener, envoyAdmin, aigwAdmin, mcpPort, proxyPort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const raw = {
    listener: { address: '127.0.0.1', port: listener },
    envoy: { adminAddress: '127.0.0.1', adminPort: envoyAdmin, accessLog: '/dev/null' },
    server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: `127.0.0.1:${aigwAdmin}`, mcp: `127.0.0.1:${mcpPort}`, drainSeconds: 0 },
    backends: [{ name: 'unused', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
    models: [{ name: 'unused', backends: [{ backend: 'unused' }] }],
    callers: [{ name: 'bench', keyHash: hashApiKey(KEY), team: 't', project: 'p' }],
    mcp: {
      servers: [{ name: 'bench', url: `http://127.0.0.1:${upstreamPort}/mcp` }],
      sessionSecret: { env: 'AIGW_BENCH_MCP_SECRET' },
      pinning: 'enforce',
    },
  };
  process.env.AIGW_BENCH_MCP_SECRET = 'bench-session-secret-of-at-least-32-bytes';
  const configPath = join(dir, 'aigw.yaml');
  writeFileSync(configPath, stringify(raw));
  const bootstrap = join(dir, 'envoy.yaml');
  writeFileSync(bootstrap, renderEnvoyYaml(compileConfig(validateConfig(raw, 'bench'))));

  const upstream = spawnLogged('mcp-upstream', process.execPath, [__filename, '--upstream', String(upstreamPort)], dir);
  const proxy = spawnLogged('node-proxy', process.execPath, [__filename, '--proxy', String(proxyPort), String(upstreamPort)], dir);
  const aigw = spawnLogged('aigw', process.execPath, [cliPath(), 'serve', '--config', configPath], dir);
  const envoy = spawnLogged('envoy', findEnvoy(), ['-c', bootstrap, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'error', '--base-id', '7311'], dir);
  const clients: Client[] = [];
  try {
    await Promise.all([
      waitUntil('mcp upstream', upstream, async () => (await fetch(`http://127.0.0.1:${upstreamPort}/mcp`, { method: 'GET' })).status > 0),
      waitUntil('node proxy', proxy, async () => (await fetch(`http://127.0.0.1:${proxyPort}/mcp`, { method: 'GET' })).status > 0),
      waitForAigw(aigw, aigwAdmin),
      waitForEnvoy(envoy, envoyAdmin),
    ]);
    const auth = { authorization: `Bearer ${KEY}` };
    const targets: Record<Target, { client: Client; tool: string }> = {
      direct: { client: await connect(`http://127.0.0.1:${upstreamPort}/mcp`), tool: 'echo' },
      'node proxy': { client: await connect(`http://127.0.0.1:${proxyPort}/mcp`), tool: 'echo' },
      aigw: { client: await connect(`http://127.0.0.1:${mcpPort}/mcp`, auth), tool: 'bench__echo' },
      'envoy+aigw': { client: await connect(`http://127.0.0.1:${listener}/mcp`, auth), tool: 'bench__echo' },
    };
    clients.push(...Object.values(targets).map((target) => target.client));
    // The gateway's tool list pins the tool (as a client would list before calling).
    await targets.aigw.client.listTools();
    const samples: Record<Target, number[]> = { direct: [], 'node proxy': [], aigw: [], 'envoy+aigw': [] };
    const block = 50;
    const warmup = args.quick ? 50 : 200;
    for (const target of TARGETS) for (let index = 0; index < warmup; index += 1) await timedCall(targets[target].client, targets[target].tool, index);
    process.stderr.write(`bench:mcp: ${args.calls} tools/call per target, interleaved blocks of ${block}\n`);
    for (let done = 0; done < args.calls; done += block) {
      for (const target of TARGETS) {
        for (let index = done; index < Math.min(done + block, args.calls); index += 1) samples[target].push(await timedCall(targets[target].client, targets[target].tool, index));
      }
    }
    const summaries = Object.fromEntries(TARGETS.map((target) => [target, roundSummary(summarize(samples[target]))])) as Record<Target, Summary>;
    const addedBy = (target: Target) => ({ p50: summaries[target].p50 - summaries.direct.p50, p99: summaries[target].p99 - summaries.direct.p99 });
    const report = {
      timestamp: new Date().toISOString(),
      calls: args.calls,
      quick: args.quick,
      latencyMs: summaries,
      addedMs: { 'node proxy': addedBy('node proxy'), aigw: addedBy('aigw'), 'envoy+aigw': addedBy('envoy+aigw') },
      targetP50Ms: 1,
    };
    const resultsDir = resolve(__dirname, '..', '..', 'perf', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const path = resolve(resultsDir, `mcp-${report.timestamp.replace(/[:.]/g, '-')}.json`);
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    const row = (target: Target): string[] => {
      const summary = summaries[target];
      const added = target === 'direct' ? undefined : addedBy(target);
      return [target, fmt(summary.p50), fmt(summary.p90), fmt(summary.p99), added ? fmt(added.p50) : '-', added ? fmt(added.p99) : '-'];
    };
    process.stdout.write(
      `tools/call latency, ms (${args.calls} sequential calls per target)\n${table([['target', 'p50', 'p90', 'p99', 'added p50', 'added p99'], ...TARGETS.map(row)])}\nresults: ${path}\n`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await stopChild(envoy);
    await stopChild(aigw);
    await stopChild(proxy);
    await stopChild(upstream);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n${USAGE}\n`);
  else process.stderr.write(`bench:mcp failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  cleanupSync();
  process.exitCode = 1;
});

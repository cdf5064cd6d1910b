import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { TEST_KEY, describeE2E, freePort, metricValue, waitFor, withCaller } from './harness';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');


/**
 * `aigw up` (aigw and its Envoy as real processes) with its config file edited while it runs:
 * a valid change is applied without a restart of aigw — a new model through an Envoy hot
 * restart that refuses no request — and an invalid one is rejected while the last good config
 * keeps serving.
 */
describeE2E('config reload', () => {
  let dir: string;
  let provider: FakeProvider;
  let aigw: ChildProcess;
  let output = '';
  let configPath: string;
  let listener: string;
  let admin: string;
  let base: Record<string, unknown>;

  /**
   * One request on a new connection: a kept-alive connection may still reach the Envoy a hot
   * restart replaced, which serves what it had until it has drained (new connections reach
   * the new Envoy only).
   */
  const chat = (model: string): Promise<{ status: number; statusText: string }> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });
      const request = httpRequest(`${listener}/v1/chat/completions`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' }));
      });
      request.on('error', reject);
      request.end(body);
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-reload-'));
    provider = await FakeProvider.start({ name: 'reload' });
    const [listenerPort, envoyAdminPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    listener = `http://127.0.0.1:${listenerPort}`;
    admin = `http://127.0.0.1:${adminPort}`;
    base = withCaller({
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort: envoyAdminPort, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: `127.0.0.1:${adminPort}`, drainSeconds: 1 },
      backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1` }],
      models: [{ name: 'first', backends: [{ backend: 'p' }] }],
    });
    configPath = join(dir, 'aigw.yaml');
    writeFileSync(configPath, stringify(base));
    aigw = spawn(process.execPath, [CLI, 'up', '--config', configPath], { env: { ...process.env, ENVOY_BIN: process.env.ENVOY_BIN ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    aigw.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    aigw.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => (await chat('first')).status === 200, 20_000).catch(() => {
      throw new Error(`aigw up did not serve: ${output}`);
    });
  });

  afterAll(async () => {
    if (aigw && aigw.exitCode === null) {
      const exited = new Promise((resolve) => aigw.once('exit', resolve));
      aigw.kill('SIGTERM');
      await exited;
    }
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new model is served after the file changes, through an Envoy hot restart that refuses no request', async () => {
    expect((await chat('second')).status).toBe(404);
    let stop = false;
    const failures: string[] = [];
    let served = 0;
    // Requests keep flowing to the old model while Envoy restarts under them.
    const traffic = (async () => {
      while (!stop) {
        const response = await chat('first').catch((error: Error) => ({ status: 0, statusText: error.message }));
        if (response.status === 200) served++;
        else failures.push(`${response.status} ${response.statusText}`);
      }
    })();
    writeFileSync(configPath, stringify({ ...base, models: [...(base.models as unknown[]), { name: 'second', backends: [{ backend: 'p', model: 'gpt-second' }] }] }));
    await waitFor(async () => (await chat('second')).status === 200, 20_000);
    stop = true;
    await traffic;
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(5);
    expect(provider.received.filter((r) => (r.json as { model: string }).model === 'gpt-second').length).toBeGreaterThanOrEqual(1);
    expect(output).toContain('Envoy hot-restarted onto the new config');
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metricValue(metrics, 'aigw_config_reloads_total{result="applied"}')).toBe(1);
  });

  test('an invalid change is rejected with every problem logged and counted; the last good config keeps serving', async () => {
    writeFileSync(configPath, stringify({ ...base, models: [{ name: 'first', backends: [{ backend: 'missing' }] }], prices: [{ model: 'nope', input: -1 }] }));
    await waitFor(async () => metricValue(await (await fetch(`${admin}/metrics`)).text(), 'aigw_config_reloads_total{result="rejected"}') === 1, 20_000);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metricValue(metrics, 'aigw_config_last_reload_successful')).toBe(0);
    expect(output).toContain('config reload rejected; the last good config keeps serving');
    expect(output).toContain('models[0].backends[0].backend: unknown backend \\"missing\\"');
    expect(output).toContain('prices[0].model: unknown model \\"nope\\"');
    expect((await chat('first')).status).toBe(200);
    expect((await chat('second')).status).toBe(200);
  });
});

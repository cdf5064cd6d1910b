import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { SseDecoder } from '../src/providers/sse';
import { EnvoyProcess, TEST_KEY, describeE2E, freePort, waitFor, withCaller } from './harness';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');
const SECRET = 'sk-provider-never-logged-4242';


/**
 * `aigw serve` as a real process beside a real Envoy: requests flow, SIGTERM drains an
 * in-flight stream before exiting, and no secret reaches its logs.
 */
describeE2E('the aigw process', () => {
  let dir: string;
  let provider: FakeProvider;
  let aigw: ChildProcess;
  let envoy: EnvoyProcess;
  let output = '';
  let listener: string;
  let adminPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-process-'));
    provider = await FakeProvider.start({ name: 'proc' });
    const [listenerPort, envoyAdminPort] = [await freePort(), await freePort()];
    adminPort = await freePort();
    const raw = withCaller({
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort: envoyAdminPort, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: `127.0.0.1:${adminPort}`, drainSeconds: 20 },
      backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1`, credential: { env: 'PROVIDER_SECRET' } }],
      models: [{ name: 'm', backends: [{ backend: 'p' }] }],
    });
    const configPath = join(dir, 'aigw.yaml');
    writeFileSync(configPath, stringify(raw));
    const bootstrap = join(dir, 'envoy.yaml');
    writeFileSync(bootstrap, renderEnvoyYaml(compileConfig(validateConfig(raw), { PROVIDER_SECRET: SECRET })));
    aigw = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
      env: { ...process.env, PROVIDER_SECRET: SECRET, AIGW_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    aigw.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    aigw.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200);
    envoy = await EnvoyProcess.start(bootstrap, envoyAdminPort);
    listener = `http://127.0.0.1:${listenerPort}`;
  });

  afterAll(async () => {
    if (aigw && aigw.exitCode === null) aigw.kill('SIGKILL');
    await envoy?.stop();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('health endpoints answer', async () => {
    expect((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).text()).toBe('ready\n');
  });

  test('SIGTERM lets an in-flight stream finish, then exits 0; secrets never reach the logs', async () => {
    const events = ['1', '2', '3', '4', '5'].map((n) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: n }, finish_reason: null }] }));
    provider.enqueue({ kind: 'sse', events: [...events, '[DONE]'], intervalMs: 300 });
    const response = await fetch(`${listener}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'go' }] }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new SseDecoder();
    const received: string[] = [];
    const exited = new Promise<number | null>((resolve) => aigw.once('exit', (code) => resolve(code)));
    let signalled = false;
    let exitedBeforeStreamEnd = false;
    void exited.then(() => (exitedBeforeStreamEnd = received[received.length - 1] !== '[DONE]'));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const event of decoder.push(Buffer.from(value))) received.push(event.data ?? '');
      if (!signalled && received.length > 0) {
        signalled = true;
        aigw.kill('SIGTERM');
        await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 503, 2000);
      }
    }
    expect(received).toEqual([...events, '[DONE]']);
    expect(await exited).toBe(0);
    expect(exitedBeforeStreamEnd).toBe(false);
    expect(output).toContain('aigw draining');
    expect(output).not.toContain(SECRET);
    expect(provider.received[0].headers.authorization).toBe(`Bearer ${SECRET}`);
  }, 20000);
});

describeE2E('envoy --mode validate', () => {
  test('the checked-in bootstrap is valid for the Envoy binary', () => {
    // The bootstrap logs to /dev/stdout, which must be a file or terminal (not a socket) for Envoy to open it.
    const dir = mkdtempSync(join(tmpdir(), 'aigw-validate-'));
    const out = openSync(join(dir, 'out.log'), 'w');
    const result = spawnSync(findEnvoy(), ['--mode', 'validate', '-c', join(__dirname, '..', 'envoy', 'bootstrap.yaml')], { stdio: ['ignore', out, out] });
    closeSync(out);
    const log = readFileSync(join(dir, 'out.log'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(log).toContain("configuration '");
    expect(log).toContain("' OK");
    expect(result.status).toBe(0);
  });
});

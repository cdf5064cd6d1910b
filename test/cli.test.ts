import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

function aigw(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OPENAI_API_KEY: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('aigw CLI', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aigw-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('envoy/bootstrap.yaml is what render-envoy makes of examples/aigw.yaml (run `npm run render-envoy` if this fails)', () => {
    const result = aigw(['render-envoy', 'examples/aigw.yaml']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'envoy', 'bootstrap.yaml'), 'utf8'));
  });

  test('check-config accepts the example and warns about an unset credential without a value', () => {
    const result = aigw(['check-config', 'examples/aigw.yaml']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'warning: backends[2].credential: environment variable OPENAI_API_KEY is not set; requests to backend "openai" will fail\n' +
        'examples/aigw.yaml: ok (4 models, 3 backends, 1 callers)\n',
    );
  });

  test('check-config lists every problem with its path and exits 1', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      [
        'backends:',
        '  - name: a',
        '    kind: openai',
        '    baseUrl: ftp://example.com',
        '    credentail: {env: X}',
        'models:',
        '  - name: m',
        '    backends: [{backend: nope}]',
        'callers:',
        '  - {name: c, keyHash: "md5:abc", team: t, project: p}',
      ].join('\n'),
    );
    const result = aigw(['check-config', path]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `${path}: 4 problem(s)\n` +
        '  backends[0]: unknown key(s): credentail\n' +
        '  backends[0].baseUrl: must start with http:// or https://\n' +
        '  callers[0].keyHash: must be sha256:<64 lowercase hex digits>\n' +
        '  models[0].backends[0].backend: unknown backend "nope"\n',
    );
  });

  test('a credential value never appears in check-config output', () => {
    const path = join(dir, 'secret.yaml');
    writeFileSync(path, 'backends: [{name: a, kind: openai, baseUrl: "http://x", credential: {env: MY_KEY}}]\nmodels: [{name: m, backends: [{backend: a}]}]\n');
    const result = aigw(['check-config', path], { MY_KEY: 'sk-super-secret-value' });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('sk-super-secret-value');
  });

  test('hash-key prints the keyHash for callers[]', () => {
    expect(aigw(['hash-key', 'sk-aigw-demo']).stdout).toBe('sha256:c7b51ef2e45c5f05cefec08758a05482886576bee37a4eb2294eb7bcc3923d82\n');
  });

  test('unknown commands exit 2 with usage', () => {
    const result = aigw(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('aigw: unknown command frobnicate');
    expect(result.stderr).toContain('Usage:');
  });
});

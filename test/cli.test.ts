import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, aigw } from './aigw-cli';


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

  test('deploy/compose/envoy.yaml is the example rendered with --listen 0.0.0.0, and differs from envoy/bootstrap.yaml only there', () => {
    const result = aigw(['render-envoy', 'examples/aigw.yaml', '--listen', '0.0.0.0']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'deploy', 'compose', 'envoy.yaml'), 'utf8'));
    const plain = readFileSync(join(ROOT, 'envoy', 'bootstrap.yaml'), 'utf8').split('\n');
    const changed = result.stdout.split('\n').filter((line, index) => line !== plain[index]);
    expect(changed).toEqual(['# Rendered by `aigw render-envoy examples/aigw.yaml --listen 0.0.0.0`. Do not edit: change the aigw config and render again.', '          address: 0.0.0.0']);
  });

  test('render-envoy --fragment --domain writes the fragment, with its help in render-envoy --help', () => {
    const result = aigw(['render-envoy', 'examples/aigw.yaml', '--fragment', '--domain', 'ai.example.com,ai.internal', '--out', join(dir, 'fragment.yaml')]);
    expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
    const lines = readFileSync(join(dir, 'fragment.yaml'), 'utf8').split('\n');
    expect(lines[0]).toBe(
      '# Rendered by `aigw render-envoy examples/aigw.yaml --domain ai.example.com,ai.internal --fragment`: what to add to your own Envoy (docs/envoy-fragment.md). Do not edit: change the aigw config and render again.',
    );
    expect(lines.filter((line) => /^[a-z_]+:/.test(line))).toEqual([
      'notes:',
      'http_filters:',
      'virtual_host:',
      'merge_routes:',
      'clusters:',
      'local_reply_config:',
      'access_log:',
      'listener:',
      'http_connection_manager:',
      'router:',
      'bootstrap:',
    ]);
    expect(lines).toContain('    - ai.example.com');
    expect(aigw(['render-envoy', '--help']).stdout).toContain('aigw render-envoy FILE --fragment [--domain HOST[,HOST…]] [--out PATH]');
  });

  test('schema/aigw.schema.json is what `aigw schema` prints, and the example configs point editors at it', () => {
    const result = aigw(['schema']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'schema', 'aigw.schema.json'), 'utf8'));
    const schema = JSON.parse(result.stdout) as { $schema: string; properties: Record<string, { properties?: Record<string, { default?: unknown }> }>; additionalProperties: boolean };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['listener', 'server', 'backends', 'models', 'callers', 'guardrails', 'rateLimits', 'mcp']));
    expect(schema.properties.listener.properties?.address.default).toBe('127.0.0.1');
    for (const example of ['aigw.yaml', 'mcp.yaml']) {
      expect(readFileSync(join(ROOT, 'examples', example), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/aigw.schema.json');
    }
  });

  test('--version and version print the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['version']]) expect(aigw(args)).toEqual({ status: 0, stdout: `aigw ${version}\n`, stderr: '' });
  });

  test.each([
    ['check-config', 'aigw check-config FILE'],
    ['render-envoy', 'aigw render-envoy FILE [--out PATH] [--listen ADDRESS]'],
    ['serve', 'aigw serve --config FILE'],
    ['spend', 'aigw spend --log FILE'],
    ['keys', 'aigw keys create|list|rotate|revoke'],
    ['drain-envoy', 'aigw drain-envoy [--admin HOST:PORT]'],
  ])('%s --help prints its usage and exits 0 (it is not read as a file)', (command, synopsis) => {
    const result = aigw([command, '--help']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith(synopsis)).toBe(true);
  });

  test.each([
    [['check-config', 'examples/aigw.yaml', '--strict'], "aigw check-config: unknown option '--strict'"],
    [['render-envoy', 'examples/aigw.yaml', '--outt', 'x.yaml'], "aigw render-envoy: unknown option '--outt'"],
    [['check-config', 'examples/aigw.yaml', 'examples/mcp.yaml'], "aigw check-config: unexpected argument 'examples/mcp.yaml'"],
    [['check-config'], 'aigw check-config: missing FILE'],
    [['serve', '--config'], "aigw serve: option '-c, --config <value>' argument missing"],
    [['spend', '--by', 'team'], 'aigw spend: missing --log FILE'],
    [['keys', 'list', '--bogus'], "aigw keys: unknown option '--bogus'"],
    [['--verbose'], 'aigw: unknown option --verbose'],
    [['render-envoy', 'examples/aigw.yaml', '--domain', 'ai.example.com'], 'aigw render-envoy: --domain applies to --fragment only'],
    [['render-envoy', 'examples/aigw.yaml', '--fragment', '--listen', '0.0.0.0'], 'aigw render-envoy: --listen applies to the whole bootstrap, not --fragment'],
    [['render-envoy', 'examples/aigw.yaml', '--ready', '19001'], 'aigw render-envoy: --ready must be HOST:PORT, not 19001'],
    [['drain-envoy', '--drain-seconds', 'soon'], 'aigw drain-envoy: --drain-seconds must be a number of seconds, not soon'],
  ])('%j is refused with exit 2 and says why', (args, message) => {
    const result = aigw(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.stderr).toContain('Usage:');
  });

  test('keys with the admin API unreachable says where it looked and what to check', async () => {
    // A port nothing listens on: one the system just gave out and took back.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    server.close();
    await once(server, 'close');
    const result = aigw(['keys', 'list', '--admin', `http://127.0.0.1:${port}`], { AIGW_ADMIN_TOKEN: 'token' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `aigw keys: cannot reach aigw's admin API at http://127.0.0.1:${port} (ECONNREFUSED). Is aigw running, with admin.token set in its config (the admin API is off without it) and server.admin at this address? Use --admin URL for another address.\n`,
    );
  });

  describe('a published example key in front of a real provider key', () => {
    const config = (address: string, credential: boolean): string => {
      const path = join(dir, `exposed-${address}-${credential}.yaml`);
      const backend = credential ? '{name: p, kind: openai, baseUrl: "https://api.openai.com/v1", credential: {env: REAL_KEY}}' : '{name: p, kind: openai, baseUrl: "http://127.0.0.1:18081/v1"}';
      writeFileSync(
        path,
        `listener: {address: "${address}", port: 10000}\nbackends: [${backend}]\nmodels: [{name: m, backends: [{backend: p}]}]\n` +
          'callers: [{name: readme, keyHash: "sha256:c7b51ef2e45c5f05cefec08758a05482886576bee37a4eb2294eb7bcc3923d82", team: demo, project: readme}]\n',
      );
      return path;
    };

    test('is refused at start on a listener other machines reach', () => {
      const path = config('0.0.0.0', true);
      const result = aigw(['check-config', path], { REAL_KEY: 'sk-real-provider-key' });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `${path}: 1 problem(s)\n` +
          '  callers[0].keyHash: is the hash of "sk-aigw-demo", a key published in aigw\'s README and examples, and listener.address 0.0.0.0 accepts other machines while a provider credential is configured: anyone on the network could spend it. Give this caller a key of its own (aigw hash-key), or set listener.address: 127.0.0.1\n',
      );
      expect(result.stdout + result.stderr).not.toContain('sk-real-provider-key');
    });

    test.each([
      ['127.0.0.1', true, 'on a loopback listener'],
      ['0.0.0.0', false, 'with no provider key (the fake provider)'],
    ])('is accepted on %s (%s)', (address, credential) => {
      const result = aigw(['check-config', config(address, credential)], { REAL_KEY: 'sk-real-provider-key' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aigw } from './aigw-cli';
import { parse } from 'yaml';

const ROUTE = 'e2e/fixtures/eaigw/route.yaml';
const BACKENDS = 'e2e/fixtures/eaigw/backends.yaml';

describe('aigw import eaigw', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aigw-import-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('without --out: the config on stdout, each note as a warning on stderr, then a summary', () => {
    const result = aigw(['import', 'eaigw', ROUTE, BACKENDS]);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`# aigw config imported from Envoy AI Gateway resources: aigw import eaigw ${ROUTE} ${BACKENDS}`);
    expect((parse(result.stdout) as { models: Array<{ name: string }> }).models.map((model) => model.name)).toEqual(['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'gpt-4o@llm-route.premium']);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('warning: '))).toHaveLength(4);
    expect(lines[lines.length - 1]).toBe('imported 4 models and 4 backends; 4 notes');
  });

  test('the written config passes aigw check-config once its secrets are where the comments say', () => {
    const secrets = join(dir, 'secrets');
    const out = join(dir, 'aigw.yaml');
    expect(aigw(['import', 'eaigw', ROUTE, BACKENDS, '--secret-dir', secrets, '--out', out]).status).toBe(0);
    mkdirSync(join(secrets, 'test-ca'), { recursive: true });
    writeFileSync(join(secrets, 'test-ca', 'ca.crt'), '');
    expect(readFileSync(out, 'utf8')).toContain(`#   file ${secrets}/test-ca/ca.crt  <- ConfigMap ai/test-ca, key ca.crt\n`);
    const env = { OPENAI_PRIMARY_KEY_API_KEY: 'a', OPENAI_SECONDARY_KEY_API_KEY: 'b', AZURE_KEY_API_KEY: 'c', ANTHROPIC_KEY_API_KEY: 'd' };
    const checked = aigw(['check-config', out], env);
    expect([checked.status, checked.stderr]).toEqual([0, '']);
    expect(checked.stdout).toContain(`${out}: ok (4 models, 4 backends, 0 callers)\n`);
  });

  test('nothing importable: exit 1, the notes, and why', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: ai }\n');
    const result = aigw(['import', 'eaigw', file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'warning: Gateway ai/gw: not imported: aigw has one listener (listener.address and listener.port)\naigw: import eaigw: nothing to import: no AIGatewayRoute rule could be carried over\n',
    );
  });

  test('a file that is not YAML: exit 1 naming the file and document', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'kind: [\n');
    const result = aigw(['import', 'eaigw', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^aigw: import eaigw: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: document 1: `));
  });

  test.each([
    [['import'], 'aigw import: missing source (eaigw)'],
    [['import', 'kong', 'x.yaml'], 'aigw import: unknown source kong (eaigw: Envoy AI Gateway)'],
    [['import', 'eaigw'], 'aigw import eaigw: missing FILE...'],
    [['import', 'eaigw', ROUTE, '--secretdir', 'x'], "aigw import eaigw: unknown option '--secretdir'"],
    [['import eaigw', ROUTE], 'aigw: unknown command import eaigw'],
  ])('%j is refused with exit 2 and says why', (args, message) => {
    const result = aigw(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.stderr).toContain('Usage:');
  });

  test('--help prints its usage; aigw --help lists it', () => {
    const help = aigw(['import', 'eaigw', '--help']);
    expect([help.status, help.stdout.split('\n')[0]]).toEqual([0, 'aigw import eaigw FILE... [--out PATH] [--secret-dir DIR]']);
    expect(aigw(['--help']).stdout).toContain('\n  aigw import eaigw FILE... [--out PATH] [--secret-dir DIR]\n');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfigFile, validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { deriveSessionKey } from './session-token';

const LLM = {
  backends: [{ name: 'b', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
  models: [{ name: 'm', backends: [{ backend: 'b' }] }],
  callers: [{ name: 'agent', keyHash: `sha256:${'a'.repeat(64)}`, team: 't', project: 'p' }],
};
const SECRET = 'a-session-secret-of-at-least-32-bytes';

function problems(mcp: unknown): string[] {
  try {
    validateConfig({ ...LLM, mcp });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('mcp config schema', () => {
  test('defaults', () => {
    const config = validateConfig({ ...LLM, mcp: { servers: [{ name: 'github', url: 'https://mcp.example.com/mcp' }], sessionSecret: { env: 'S' } } });
    expect(config.server.mcp).toBeUndefined();
    expect(compileConfig(config, {}).mcp?.address).toBe('127.0.0.1:9092');
    expect(config.mcp).toEqual({
      servers: [{ name: 'github', url: 'https://mcp.example.com/mcp', env: {}, passEnv: [], timeoutMs: 5000, callTimeoutMs: 300000, forwardClientToken: false }],
      separator: '__',
      sessionSecret: { env: 'S' },
      sessionTtlSeconds: 86400,
      pinning: 'warn',
      pinRecheckSeconds: 30,
      authorizationServers: [],
      scopes: [],
      allowedOrigins: [],
    });
  });

  test('every problem with its path', () => {
    expect(
      problems({
        servers: [
          { name: 'github', url: 'ftp://x' },
          { name: 'gitlab', url: 'http://a/mcp' },
          { name: 'github', url: 'http://b/mcp', credential: { env: 'T' }, forwardClientToken: true },
          { name: 'x', url: 'http://c/mcp', timeoutMs: 1, extra: 1 },
        ],
        profiles: [{ name: 'p', callers: ['agent'], allow: [{ server: 'gitlab' }] }, { name: 'q', allow: [{ server: 'github' }] }],
        sessionSecret: { env: 'S', file: '/f' },
        pinning: 'strict',
      }),
    ).toEqual([
      'mcp.pinning: Invalid option: expected one of "off"|"warn"|"enforce"',
      'mcp.profiles[1].callers: name at least one caller or team',
      'mcp.servers[0].url: must start with http:// or https://',
      'mcp.servers[2].forwardClientToken: forwardClientToken sends the client\'s Authorization header: the credential needs another header',
      'mcp.servers[3]: unknown key(s): extra',
      'mcp.servers[3].timeoutMs: Too small: expected number to be >=10',
      'mcp.sessionSecret: set exactly one of env or file',
    ]);
  });

  test('cross-checks: duplicate servers, the separator inside a name, unknown servers in profiles', () => {
    expect(
      problems({
        servers: [
          { name: 'github', url: 'http://a/mcp' },
          { name: 'my-server', url: 'http://a/mcp' },
          { name: 'github', url: 'http://b/mcp' },
        ],
        profiles: [{ name: 'p', callers: ['agent'], allow: [{ server: 'gitlab' }] }],
        separator: '-',
        sessionSecret: { env: 'S' },
      }),
    ).toEqual([
      'mcp.profiles[0].allow[0].server: unknown server "gitlab"',
      'mcp.servers[1].name: must not contain the separator "-"',
      'mcp.servers[2].name: duplicate server name "github"',
    ]);
  });
});

test('stdio servers: a command instead of a url; headers only for url servers', () => {
  expect(
    problems({
      servers: [
        { name: 'a', command: ['node', 'server.js'], passEnv: ['TOKEN'], env: { MODE: 'x' }, cwd: '/srv' },
        { name: 'b', url: 'http://b/mcp', command: ['x'] },
        { name: 'c' },
        { name: 'd', command: ['x'], credential: { env: 'T' } },
        { name: 'e', url: 'http://e/mcp', passEnv: ['TOKEN'] },
        { name: 'f', command: [] },
      ],
      sessionSecret: { env: 'S' },
    }),
  ).toEqual([
    'mcp.servers[1].url: set exactly one of url or command',
    'mcp.servers[2].url: set exactly one of url or command',
    'mcp.servers[3].credential: credential and forwardClientToken are HTTP headers: for url servers (a stdio server gets secrets through passEnv)',
    'mcp.servers[4].command: cwd, env and passEnv are for stdio servers (command)',
    'mcp.servers[5].command: Too small: expected array to have >=1 items',
  ]);
});

describe('compiled mcp config', () => {
  const raw = {
    ...LLM,
    mcp: {
      servers: [
        { name: 'github', url: 'https://mcp.example.com/mcp', credential: { env: 'GH' } },
        { name: 'docs', url: 'http://docs:8000/mcp', credential: { env: 'DOCS', header: 'x-api-key' }, forwardClientToken: true },
      ],
      profiles: [{ name: 'p', callers: ['agent', 'ghost'], allow: [{ server: 'github', include: ['list_*'] }] }],
      sessionSecret: { env: 'S' },
      adminToken: { env: 'ADMIN' },
      pinning: 'enforce',
    },
  };

  test('secrets read once, the session key derived once, credentials with their default prefix', () => {
    const runtime = compileConfig(validateConfig(raw), { GH: 'gh-secret', DOCS: 'docs-secret', S: SECRET, ADMIN: 'admin' });
    const mcp = runtime.mcp;
    expect(mcp?.sessionKey.equals(deriveSessionKey(SECRET))).toBe(true);
    expect(mcp?.adminToken?.reveal()).toBe('admin');
    const github = mcp?.servers.get('github');
    expect(github?.credential && { header: github.credential.header, prefix: github.credential.prefix, secret: github.credential.secret.reveal() }).toEqual({
      header: 'authorization',
      prefix: 'Bearer ',
      secret: 'gh-secret',
    });
    expect(mcp?.servers.get('docs')?.credential?.prefix).toBe('');
    expect(mcp?.profiles?.map((profile) => profile.name)).toEqual(['p']);
    expect(runtime.warnings).toEqual(['mcp.profiles[0].callers[1]: no caller is named "ghost"']);
    expect(JSON.stringify(github)).not.toContain('gh-secret');
  });

  test('missing or short secrets are warnings: a random session key, the admin API off', () => {
    const missing = compileConfig(validateConfig(raw), { S: 'short' });
    expect(missing.warnings).toEqual([
      'mcp.servers[0].credential: environment variable GH is not set; requests to MCP server "github" go without it',
      'mcp.servers[1].credential: environment variable DOCS is not set; requests to MCP server "docs" go without it',
      'mcp.sessionSecret: is shorter than 32 bytes; MCP sessions use a random key and end when this process does',
      'mcp.adminToken: environment variable ADMIN is not set; the MCP admin endpoint is off',
      'mcp.profiles[0].callers[1]: no caller is named "ghost"',
    ]);
    expect(missing.mcp?.sessionKey).toHaveLength(32);
    expect(missing.mcp?.adminToken).toBeUndefined();
  });

  test('a stdio server: command split, the SDK\'s default environment plus env and passEnv', () => {
    const runtime = compileConfig(
      validateConfig({ ...LLM, mcp: { servers: [{ name: 'local', command: ['node', 'server.js', '--quiet'], env: { MODE: 'x' }, passEnv: ['TOKEN', 'MISSING'] }], sessionSecret: { env: 'S' } } }),
      { S: SECRET, TOKEN: 'passed' },
    );
    const stdio = runtime.mcp?.servers.get('local')?.stdio;
    expect(stdio?.command).toBe('node');
    expect(stdio?.args).toEqual(['server.js', '--quiet']);
    expect(stdio?.env).toMatchObject({ MODE: 'x', TOKEN: 'passed' });
    expect(stdio?.env.PATH).toBe(process.env.PATH);
    expect(runtime.warnings).toEqual(['mcp.servers[0].passEnv: environment variable MISSING is not set']);
  });

  test('no mcp section, no MCP gateway', () => {
    expect(compileConfig(validateConfig(LLM), {}).mcp).toBeUndefined();
  });
});

describe('examples/mcp.yaml', () => {
  test('is valid, with its two servers and profiles', () => {
    const config = loadConfigFile(join(__dirname, '..', '..', 'examples', 'mcp.yaml'));
    expect(config.mcp?.servers.map((server) => server.name)).toEqual(['github', 'docs']);
    expect(config.mcp?.profiles?.map((profile) => profile.name)).toEqual(['triage', 'platform']);
    expect(config.server.mcp).toBe('127.0.0.1:9092');
  });
});

describe('README, section "MCP gateway"', () => {
  test('its config example is a valid mcp section', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## MCP gateway'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const written = parse(yaml) as Record<string, unknown>;
    const config = validateConfig({ ...LLM, ...written });
    expect(config.mcp?.servers.map((server) => server.name)).toEqual(['github', 'docs', 'files']);
    expect(config.server.mcp).toBe('127.0.0.1:9092');
  });
});

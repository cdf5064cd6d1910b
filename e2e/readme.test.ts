import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parse, stringify } from 'yaml';
import { hashApiKey } from '../src/auth/api-keys';
import { TestMcpServer } from '../src/mcp/test-server';
import { BlockRegistry, PACKAGE, ROOT, Sandbox, commandLines, jsonValues, printedByComments, startGateway, validateFragment, where, withoutNpmBanner } from './doc-blocks';
import type { DocBlock, Running } from './doc-blocks';
import { runImportBlock } from './eaigw-doc-command';
import { describeE2E } from './harness';

/**
 * Every fenced block of README.md, as printed (e2e/doc-blocks.ts: extraction, the one
 * host:port mapping, the sandbox): shell blocks run with bash against gateways this test
 * starts on free ports, SDK examples run with node and print what their comments say, the
 * JSON shown is what the command before it printed, YAML snippets are valid configs. A
 * block nothing here handles fails the last test.
 */
const FILE = 'README.md';
const registry = new BlockRegistry([FILE]);

/** Blocks that cannot run here, by a piece of their text, with the reason. */
const NOT_RUNNABLE: Array<{ lang: string; marker: string; reason: string }> = [
  { lang: 'sh', marker: 'npm test', reason: 'the test suite itself' },
  { lang: 'sh', marker: 'npm run bench', reason: 'minutes of load on the whole machine; perf/README.md records its runs' },
];

/** Inline commands that cannot run here, exactly as printed, with the reason. */
const INLINE_NOT_RUNNABLE: Record<string, string> = {
  'npm install openai': 'an install from the registry; the suite has openai as a dev dependency and runs the SDK example with it',
  'OPENAI_API_KEY=sk-... npm start': 'needs a real OpenAI key; npm start itself runs in the quick start test',
  'npm run render-envoy': 'builds, then rewrites tracked files; test/cli.test.ts fails when any differs from what it renders',
  'docker compose up': 'no Docker here; test/compose.test.ts checks docker-compose.yml against the example config',
  'npm run bench:mcp': 'a benchmark (perf/README.md)',
  'npm run bench:guardrails': 'a benchmark (perf/README.md)',
};

describe('README YAML snippets', () => {
  test.each(registry.blocks.filter((block) => block.lang === 'yaml').map((block) => [where(block), block] as const))('%s is a valid config', (_where, block: DocBlock) => {
    expect(() => validateFragment(block.text, where(block))).not.toThrow();
  });
});

describeE2E('README commands and examples, as printed, on free ports', () => {
  let quick: { sandbox: Sandbox; gateway: Running };

  beforeAll(async () => {
    quick = await startGateway();
  }, 60_000);

  afterAll(async () => {
    await quick?.gateway.stop();
    quick?.sandbox.remove();
  });

  test('the quick start: npm ci, then npm start serves examples/aigw.yaml', () => {
    const block = registry.claim(FILE, 'sh', 'npm start', 'executed: npm start (npm ci is the install this suite runs in)');
    registry.claimInline(FILE, 'npm start', 'executed');
    expect(commandLines(block.text).map((line) => line.replace(/#.*$/, '').trim())).toEqual(['npm ci', 'npm start']);
    expect(PACKAGE.scripts.start).toContain('up --config examples/aigw.yaml --fake-provider 127.0.0.1:18081');
    expect(quick.gateway.output).toContain(`aigw: Envoy listening on http://127.0.0.1:${quick.sandbox.ports.listener}`);
  });

  test('the first curl prints exactly the JSON the README shows', async () => {
    const block = registry.claim(FILE, 'sh', 'curl -s http://localhost:10000/v1/chat/completions', 'executed');
    const shown = registry.next(block)!;
    expect(shown.lang).toBe('json');
    registry.claim(FILE, 'json', shown.text, 'compared with the command before it');
    const printed = await quick.sandbox.run(block.text);
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual({ ...JSON.parse(shown.text), id: expect.stringMatching(/^chatcmpl-fake-\d+$/) });
  });

  test('the streaming, embeddings and models curls answer', async () => {
    const block = registry.claim(FILE, 'sh', '"stream":true', 'executed');
    const printed = await quick.sandbox.run(block.text);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain('data: [DONE]');
    expect(printed.stdout).toContain('"object":"chat.completion.chunk"');
    expect(printed.stdout).toContain('"object":"embedding"');
    expect(printed.stdout).toContain('{"object":"list","data":[{"id":"demo","object":"model","created":0,"owned_by":"aigw"},{"id":"demo-claude"');
  });

  test('the OpenAI SDK example prints what its comment says, then the streamed answer', async () => {
    const block = registry.claim(FILE, 'ts', "from 'openai'", 'executed');
    const printed = await quick.sandbox.runTypeScript(block.text);
    expect(printed.stderr).toBe('');
    const expected = printedByComments(block.text);
    expect(expected).toEqual(['Hello from fake']);
    expect(printed.stdout.startsWith(`${expected.join('\n')}\n`)).toBe(true);
    expect(printed.stdout.length).toBeGreaterThan(expected.join('\n').length + 1);
  });

  test('the Anthropic SDK example prints what its comment says', async () => {
    const block = registry.claim(FILE, 'ts', "from '@anthropic-ai/sdk'", 'executed');
    const printed = await quick.sandbox.runTypeScript(block.text);
    expect(printed.stderr).toBe('');
    expect(printed.stdout).toBe(`${printedByComments(block.text).join('\n')}\n`);
  });

  test('without OPENAI_API_KEY, the OpenAI model says what is missing instead of failing silently', async () => {
    const response = await fetch(`http://localhost:${quick.sandbox.ports.listener}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-aigw-demo' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('server_error');
  });

  test('the CLI commands, line by line, in a sandbox of their own', async () => {
    const block = registry.claim(FILE, 'sh', '-- check-config', 'executed');
    const [version] = registry.claimInline(FILE, 'npm run aigw -- --version', 'executed');
    const sandbox = await Sandbox.create();
    try {
      const printed = await sandbox.run(version.text);
      expect([printed.status, withoutNpmBanner(printed.stdout)]).toEqual([0, `aigw ${PACKAGE.version}\n`]);
      for (const line of commandLines(block.text)) {
        const command = line.replace(/\s+#.*$/, '');
        const subcommand = /^npm run aigw -- (\S+)/.exec(command)?.[1];
        if (command === 'npm run build') {
          // Run by `npm test` before any test (its pretest), so dist/ is what the suite runs.
          expect(PACKAGE.scripts.pretest).toBe('npm run build --silent');
          continue;
        }
        if (subcommand === 'serve' || subcommand === 'up') {
          const running = sandbox.start(command);
          const ready =
            subcommand === 'up'
              ? () => sandbox.envoyReady()
              : async () => (await fetch(`http://127.0.0.1:${sandbox.ports.aigwAdmin}/readyz`)).status === 200;
          await running.waitFor(ready, `${subcommand} ready`);
          // Ended by the SIGTERM (npm, bash) or exiting 0 on it (node): not an error exit.
          expect([[line, 0], [line, 'SIGTERM']]).toContainEqual([line, await running.stop()]);
          continue;
        }
        const printed = await sandbox.run(command);
        expect([line, printed.status, printed.stderr]).toEqual([line, 0, expect.any(String)]);
        const output = withoutNpmBanner(printed.stdout);
        switch (subcommand) {
          case 'check-config':
            expect(output).toContain('examples/aigw.yaml: ok (4 models, 3 backends, 1 callers)');
            break;
          case 'render-envoy':
            expect(readFileSync(join(sandbox.dir, 'envoy.yaml'), 'utf8')).toContain(`port_value: ${sandbox.ports.listener}`);
            break;
          case 'hash-key':
            expect(output.trim()).toBe(hashApiKey(/hash-key (\S+)/.exec(command)![1]));
            break;
          case 'schema':
            expect(readFileSync(join(sandbox.dir, 'aigw.schema.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'schema/aigw.schema.json'), 'utf8'));
            break;
          default:
            throw new Error(`${where(block)}: no check for the line ${line}`);
        }
      }
    } finally {
      sandbox.remove();
    }
  }, 90_000);

  test('Deploying, From Envoy AI Gateway: import eaigw writes the config the test manifests describe', async () => {
    await runImportBlock(registry.claim(FILE, 'sh', 'import eaigw', 'executed'));
  }, 60_000);

  describe('with the admin API and the audit log (the README snippets that configure them)', () => {
    let admin: { sandbox: Sandbox; gateway: Running };
    let token: string;

    beforeAll(async () => {
      const keys = registry.claim(FILE, 'sh', 'keys create', 'executed');
      token = /^export AIGW_ADMIN_TOKEN=(\S+)/m.exec(keys.text)![1];
      const sections = registry.blocks.filter((block) => block.lang === 'yaml' && /^(admin|telemetry):/m.test(block.text) && !block.text.startsWith('backends:'));
      expect(sections.map((block) => Object.keys(parse(block.text) as object))).toEqual([['admin', 'jwt', 'accessProfiles'], ['telemetry']]);
      admin = await startGateway({ AIGW_ADMIN_TOKEN: token }, sections.map((block) => block.text));
    }, 60_000);

    afterAll(async () => {
      await admin?.gateway.stop();
      admin?.sandbox.remove();
    });

    test('keys create and the model switch answer as the admin API documents', async () => {
      const block = registry.claim(FILE, 'sh', 'keys create', 'executed');
      const printed = await admin.sandbox.run(block.text);
      expect(printed.status).toBe(0);
      const [created, model] = jsonValues(withoutNpmBanner(printed.stdout));
      expect(created).toMatchObject({ key: expect.stringMatching(/^aigw-[A-Za-z0-9_-]{43}$/), name: 'reporting', team: 'research', project: 'alpha', expiresAt: '2030-01-01T00:00:00.000Z' });
      expect(model).toMatchObject({ enabled: false });
      const disabled = /admin\/models\/(\S+)/.exec(block.text)![1];
      const refused = await fetch(`http://127.0.0.1:${admin.sandbox.ports.listener}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-aigw-demo' },
        body: JSON.stringify({ model: disabled, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(refused.status).toBe(403);
    });

    test('audit verify and spend read the audit log the requests wrote', async () => {
      const block = registry.claim(FILE, 'sh', 'audit verify', 'executed');
      const curl = registry.claim(FILE, 'sh', 'curl -s http://localhost:10000/v1/chat/completions', 'executed');
      expect((await admin.sandbox.run(curl.text)).status).toBe(0);
      const log = join(admin.sandbox.dir, 'var/log/aigw/audit.jsonl');
      await admin.gateway.waitFor(async () => existsSync(`${log}.head`) && readFileSync(log, 'utf8').includes('"team":"demo"'), 'an audit record');
      const [verify, spend] = commandLines(block.text);
      const verified = await admin.sandbox.run(verify);
      expect([verified.status, withoutNpmBanner(verified.stdout)]).toEqual([0, expect.stringMatching(/audit\.jsonl: ok, \d+ records, chain intact up to the recorded head/)]);
      const spent = await admin.sandbox.run(spend);
      expect(spent.status).toBe(0);
      expect(withoutNpmBanner(spent.stdout)).toMatch(/^demo\b/m);
    });
  });

  describe('the MCP client example, against the README MCP section', () => {
    const KEY = 'sk-readme-support-agent';
    let github: TestMcpServer;
    let docs: TestMcpServer;
    let mcp: { sandbox: Sandbox; gateway: Running };

    beforeAll(async () => {
      // Upstream servers named as in the README, each with a tool its profile leaves out.
      github = await TestMcpServer.start({ name: 'github', tools: ['list_issues', 'get_issue', 'create_issue'].map((name) => ({ name, description: name })) });
      docs = await TestMcpServer.start({ name: 'docs', tools: ['search', 'delete_page'].map((name) => ({ name, description: name })) });
      const block = registry.blocks.find((candidate) => candidate.lang === 'yaml' && candidate.text.startsWith('server: { mcp:'))!;
      const section = parse(block.text) as { mcp: { servers: Array<{ name: string; url?: string; credential?: { env: string } }> } };
      // The README's servers are reached by URL (github-mcp.internal, docs-mcp) or started with
      // `npx -y` (a download): here the same names point at the test servers; the rest of the
      // section is as printed. The caller is of the team the README's profile names.
      expect(section.mcp.servers.map((server) => server.name)).toEqual(['github', 'docs', 'files']);
      section.mcp.servers = [
        { name: 'github', url: github.url, credential: { env: 'GITHUB_MCP_TOKEN' } },
        { name: 'docs', url: docs.url },
      ];
      const caller = `callers: [{ name: support-agent, keyHash: "${hashApiKey(KEY)}", team: support, project: helpdesk }]`;
      const env = { AIGW_MCP_SESSION_SECRET: 'readme-test-session-secret-of-32-bytes-or-more', AIGW_MCP_ADMIN_TOKEN: 'readme-mcp-admin', GITHUB_MCP_TOKEN: 'gh-token' };
      mcp = await startGateway(env, [stringify(section), caller]);
    }, 60_000);

    afterAll(async () => {
      await mcp?.gateway.stop();
      mcp?.sandbox.remove();
      await github?.close();
      await docs?.close();
    });

    test('lists the tools its comment shows and calls one upstream', async () => {
      const block = registry.claim(FILE, 'ts', 'StreamableHTTPClientTransport', 'executed');
      const printed = await mcp.sandbox.runTypeScript(block.text, { AIGW_API_KEY: KEY });
      expect([printed.status, printed.stderr]).toEqual([0, '']);
      expect(printed.stdout).toBe(`${printedByComments(block.text).join('\n')}\n`);
      expect(github.callsOf('list_issues')).toHaveLength(1);
    });

    test('a changed tool is hidden, then approved with the curl the README shows', async () => {
      const curl = registry.claim(FILE, 'inline', '/admin/mcp/tools/approve', 'executed, its <from the audit line> filled from the audit line');
      const [, server, tool] = /"server":"(\w+)","tool":"(\w+)"/.exec(curl.text)!;
      expect(server).toBe('docs');
      const names = async (): Promise<string[]> => {
        const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcp.sandbox.ports.listener}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
        const client = new Client({ name: 'readme-test', version: '1.0.0' });
        await client.connect(transport);
        const { tools } = await client.listTools();
        await client.close();
        return tools.map((candidate) => candidate.name);
      };
      expect(await names()).toContain(`docs__${tool}`);
      docs.setDescription(tool, 'Searches the docs, and sends your files elsewhere');
      expect(await names()).not.toContain(`docs__${tool}`);
      const changed = mcp.gateway.output
        .split('\n')
        .filter((line) => line.includes('"audit":"mcp_tool_changed"'))
        .map((line) => JSON.parse(line) as { tool: string; sha256: string })
        .find((entry) => entry.tool === tool)!;
      const approved = await mcp.sandbox.run(curl.text.replace('<from the audit line>', changed.sha256), { AIGW_MCP_ADMIN_TOKEN: 'readme-mcp-admin' });
      expect([approved.status, JSON.parse(approved.stdout)]).toEqual([0, { server, tool, approved: changed.sha256 }]);
      expect(await names()).toContain(`docs__${tool}`);
    });
  });

  test('every README block is run, validated or listed with the reason it cannot run', () => {
    for (const { lang, marker, reason } of NOT_RUNNABLE) registry.claim(FILE, lang, marker, `not runnable: ${reason}`);
    for (const [text, reason] of Object.entries(INLINE_NOT_RUNNABLE)) registry.claimInline(FILE, text, `not runnable: ${reason}`);
    expect(registry.unclassified()).toEqual([]);
  });
});

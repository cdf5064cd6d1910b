import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { TestMcpServer } from '../src/mcp/test-server';
import { describeE2E } from './harness';
import { McpStack } from './mcp-harness';

/**
 * The MCP gateway takes the LLM path's identities: a JWT whose claims name the team gets that
 * team's tool profile; an expired or foreign token gets 401 before any upstream is asked.
 */
describeE2E('MCP gateway with JWT callers', () => {
  let docs: TestMcpServer;
  let stack: McpStack;
  let sign: (claims: Record<string, unknown>, expiresAt?: number) => Promise<string>;

  beforeAll(async () => {
    docs = await TestMcpServer.start({ name: 'docs', tools: [{ name: 'search', description: 'Searches' }, { name: 'fetch_page', description: 'Fetches' }] });
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = JSON.stringify({ ...(await exportJWK(pair.publicKey)), kid: 'mcp-1', alg: 'ES256' });
    sign = (claims, expiresAt = Math.floor(Date.now() / 1000) + 300) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'mcp-1' }).setIssuer('https://idp.mcp').setAudience('aigw-mcp').setIssuedAt().setExpirationTime(expiresAt).sign(pair.privateKey);
    stack = await McpStack.start(
      {
        servers: [{ name: 'docs', url: docs.url }],
        profiles: [{ name: 'support', teams: ['support'], allow: [{ server: 'docs', include: ['search'] }] }],
        sessionSecret: { env: 'MCP_SESSION_SECRET' },
      },
      { MCP_SESSION_SECRET: 'x'.repeat(48), JWT_KEY: jwk },
      { extra: { jwt: { keys: [{ jwk: { env: 'JWT_KEY' } }], issuer: 'https://idp.mcp', audience: 'aigw-mcp', algorithms: ['ES256'], claims: { caller: 'client_id', team: 'team', project: 'project' } } } },
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await docs?.close();
  });

  test("a JWT caller sees exactly its team's tools", async () => {
    const { client } = await stack.connect(await sign({ client_id: 'helpdesk-bot', team: 'support', project: 'helpdesk' }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['docs__search']);
    await client.close();
  });

  test('an expired JWT gets 401 with WWW-Authenticate, and the upstream is never asked', async () => {
    const before = docs.received.length;
    const expired = await sign({ client_id: 'helpdesk-bot', team: 'support', project: 'helpdesk' }, Math.floor(Date.now() / 1000) - 60);
    const response = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${expired}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(docs.received.length).toBe(before);
  });
});

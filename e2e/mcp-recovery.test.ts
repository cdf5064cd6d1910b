import { TestMcpServer } from '../src/mcp/test-server';
import { describeE2E, freePort, metricValue } from './harness';
import { KEYS, McpStack } from './mcp-harness';

/** Upstream servers that come and go while client sessions stay open. */
describeE2E('MCP gateway: upstream servers restarting and coming up late', () => {
  const tools = [{ name: 'echo', description: 'Echoes' }];
  let stablePort: number;
  let latePort: number;
  let stable: TestMcpServer;
  let late: TestMcpServer | undefined;
  let stack: McpStack;

  beforeAll(async () => {
    [stablePort, latePort] = [await freePort(), await freePort()];
    stable = await TestMcpServer.start({ name: 'stable', tools }, stablePort);
    stack = await McpStack.start(
      {
        servers: [
          { name: 'stable', url: `http://127.0.0.1:${stablePort}/mcp` },
          { name: 'late', url: `http://127.0.0.1:${latePort}/mcp`, timeoutMs: 500 },
        ],
        sessionSecret: { env: 'MCP_SESSION_SECRET' },
      },
      { MCP_SESSION_SECRET: 'a-recovery-e2e-session-secret-32-bytes-' },
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await stable?.close();
    await late?.close();
  });

  test('a server down at initialize is left out, then reached once it is up, in the same session', async () => {
    const { client } = await stack.connect(KEYS.admin);
    try {
      expect(metricValue(await stack.metricsText(), 'aigw_mcp_servers_left_out_total{server="late",method="initialize"}')).toBe(1);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['stable__echo']);
      late = await TestMcpServer.start({ name: 'late', tools }, latePort);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['stable__echo', 'late__echo']);
      expect((await client.callTool({ name: 'late__echo', arguments: { text: 'up' } })).content).toEqual([{ type: 'text', text: 'late/echo: up' }]);
      // One upstream session for this client session, opened on first use and kept.
      expect(late.received.filter((message) => message.method === 'initialize')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  test('an upstream that restarted (and lost its sessions) gets a new session, without the client noticing', async () => {
    const { client } = await stack.connect(KEYS.admin);
    try {
      await client.callTool({ name: 'stable__echo', arguments: { text: 'before' } });
      const before = stable.callsOf('echo').at(-1)?.sessionId;
      await stable.close();
      stable = await TestMcpServer.start({ name: 'stable', tools }, stablePort);
      const result = await client.callTool({ name: 'stable__echo', arguments: { text: 'after' } });
      expect(result.content).toEqual([{ type: 'text', text: 'stable/echo: after' }]);
      const after = stable.callsOf('echo').at(-1)?.sessionId;
      expect(after).toMatch(/^[0-9a-f-]{36}$/);
      expect(after).not.toBe(before);
    } finally {
      await client.close();
    }
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestMcpServer } from '../src/mcp/test-server';
import { describeE2E } from './harness';
import { KEYS, McpStack } from './mcp-harness';

/** `npm test` builds first; the stdio server runs as its own Node process from dist/. */
const STDIO_SERVER = join(__dirname, '..', 'dist', 'src', 'mcp', 'test-stdio-server.js');

describeE2E('MCP gateway: a local stdio server beside an HTTP one', () => {
  let remote: TestMcpServer;
  let stack: McpStack;

  beforeAll(async () => {
    if (!existsSync(STDIO_SERVER)) throw new Error(`${STDIO_SERVER} is missing: run npm run build first`);
    remote = await TestMcpServer.start({ name: 'remote', tools: [{ name: 'ping', description: 'Pings' }] });
    stack = await McpStack.start(
      {
        servers: [
          { name: 'remote', url: remote.url, forwardClientToken: true },
          { name: 'local', command: [process.execPath, STDIO_SERVER], passEnv: ['LOCAL_TOOL_TOKEN'] },
        ],
        sessionSecret: { env: 'MCP_SESSION_SECRET' },
      },
      { MCP_SESSION_SECRET: 'a-stdio-e2e-session-secret-of-32-bytes+', LOCAL_TOOL_TOKEN: 'local-secret' },
      // This stack also checks Envoy → aigw over a Unix socket.
      { unixSocket: true },
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await remote?.close();
  });

  test('stdio tools are listed and called like HTTP ones; one child serves every session; a forwardClientToken server gets the client token', async () => {
    const first = await stack.connect(KEYS.admin);
    const second = await stack.connect(KEYS.reader);
    try {
      expect((await first.client.listTools()).tools.map((tool) => tool.name)).toEqual(['remote__ping', 'local__whoami']);
      const one = await first.client.callTool({ name: 'local__whoami', arguments: { text: 'a' } });
      const two = await second.client.callTool({ name: 'local__whoami', arguments: { text: 'b' } });
      const text = (result: typeof one): string => (result.content as Array<{ text: string }>)[0].text;
      expect(text(one)).toMatch(/^pid=\d+ token=local-secret text=a$/);
      const pid = /pid=(\d+)/.exec(text(one))?.[1];
      expect(text(two)).toBe(`pid=${pid} token=local-secret text=b`);
      expect(Number(pid)).not.toBe(process.pid);
      // forwardClientToken: this server (and only a server configured so) gets the client's own Authorization.
      await first.client.callTool({ name: 'remote__ping', arguments: {} });
      expect(remote.callsOf('ping').at(-1)?.authorization).toBe(`Bearer ${KEYS.admin}`);
    } finally {
      await first.client.close();
      await second.client.close();
    }
  });
});

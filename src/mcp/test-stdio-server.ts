import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/**
 * A local MCP server on stdio, for the stdio e2e test: `node dist/src/mcp/test-stdio-server.js`.
 * Its one tool answers with its process id and an environment variable, so a test can see
 * that one child serves every session and that passEnv reached it.
 */
export function createStdioTestServer(): McpServer {
  const server = new McpServer({ name: 'local', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Says which process answers', inputSchema: { text: z.string().optional() } }, ({ text }) => ({
    content: [{ type: 'text', text: `pid=${process.pid} token=${process.env.LOCAL_TOOL_TOKEN ?? ''} text=${text ?? ''}` }],
  }));
  return server;
}

if (require.main === module) {
  createStdioTestServer()
    .connect(new StdioServerTransport())
    .catch((error: Error) => {
      process.stderr.write(`stdio test server failed: ${error.message}\n`);
      process.exitCode = 1;
    });
}

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { APPROVE_PATH, handleApprove } from '../mcp/admin-approve';
import type { ApproveDeps } from '../mcp/admin-approve';
import type { GatewayMetrics } from '../telemetry/metrics';

/** State the admin endpoints report. */
export interface AdminStatus {
  /** False while starting and while draining: Envoy and orchestrators stop sending work. */
  ready(): boolean;
  /** The MCP gateway's tool-approval endpoint, when the MCP gateway runs. */
  mcpApprovals?: ApproveDeps;
}

/**
 * Admin HTTP: `/healthz` (the process is alive), `/readyz` (it takes work) and `/metrics`
 * (Prometheus text format), and `POST /admin/mcp/tools/approve` when the MCP gateway runs.
 */
export function createAdminServer(metrics: GatewayMetrics, status: AdminStatus): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === APPROVE_PATH && status.mcpApprovals) {
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const deps = status.mcpApprovals;
      handleApprove(request, response, deps).catch((error: Error) => {
        deps.logger.error('mcp approval failed', { error: error.message });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('approval failed\n');
      });
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = status.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}

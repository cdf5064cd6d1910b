import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { GatewayMetrics } from '../telemetry/metrics';

/** State the admin endpoints report. */
export interface AdminStatus {
  /** False while starting and while draining: Envoy and orchestrators stop sending work. */
  ready(): boolean;
}

/**
 * Admin HTTP: `/healthz` (the process is alive), `/readyz` (it takes work), `/metrics`
 * (Prometheus text format) and, when configured, the admin API under `/admin/`.
 */
export function createAdminServer(metrics: GatewayMetrics, status: AdminStatus, adminApi?: (request: IncomingMessage, response: ServerResponse) => void): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/admin' || path.startsWith('/admin/')) {
      if (adminApi) return adminApi(request, response);
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'The admin API is off: set admin.token in the config to turn it on.' } }));
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

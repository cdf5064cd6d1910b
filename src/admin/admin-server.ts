import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { APPROVE_PATH, handleApprove } from '../mcp/admin-approve';
import type { ApproveDeps } from '../mcp/admin-approve';
import type { GatewayMetrics } from '../telemetry/metrics';
import { SPEND_GROUPS, parseTime } from '../telemetry/spend-report';
import type { SpendGroup, SpendQuery, SpendReport } from '../telemetry/spend-report';
import { sendAdminResponse } from './admin-api';
import type { AdminResponse } from './admin-router';

/** State the admin endpoints report. */
export interface AdminStatus {
  /** False while starting and while draining: Envoy and orchestrators stop sending work. */
  ready(): boolean;
  /** Spend from the audit log, when there is one. */
  spend?(query: SpendQuery): Promise<SpendReport>;
  /**
   * The admin API's token check (`adminRefusal`): the answer for a caller without the token,
   * or undefined. `/spend` requires the token as `/admin/spend` does; without an admin API
   * (no `admin.token`) both are off.
   */
  authorize?(authorization: string | undefined): AdminResponse | undefined;
  /** The MCP gateway's tool-approval endpoint, when the MCP gateway runs. */
  mcpApprovals?: ApproveDeps;
}

/**
 * Admin HTTP: `/healthz` (the process is alive), `/readyz` (it takes work), `/metrics`
 * (Prometheus text format), all three open to scrapers and probes; `/spend` with an audit
 * log and the admin token; the admin API under `/admin/` when configured, and
 * `POST /admin/mcp/tools/approve` when the MCP gateway runs.
 */
export function createAdminServer(metrics: GatewayMetrics, status: AdminStatus, adminApi?: (request: IncomingMessage, response: ServerResponse) => void): Server {
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
    if (path === '/admin' || path.startsWith('/admin/')) {
      if (adminApi) return adminApi(request, response);
      return answerAdminOff(response);
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
    } else if (path === '/spend') {
      // Spend per team, project and key is the admin's to read, exactly as /admin/spend is.
      if (!status.authorize) return answerAdminOff(response);
      const refusal = status.authorize(request.headers.authorization);
      if (refusal) return sendAdminResponse(response, refusal);
      answerSpend(request.url ?? '/', status, (code, body) => response.writeHead(code, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`));
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

function answerAdminOff(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'The admin API is off: set admin.token in the config to turn it on.' } }));
}

/** `GET /spend?by=team|project|key|model&since=…&until=…`: what `aigw spend --json` prints. */
function answerSpend(url: string, status: AdminStatus, answer: (code: number, body: unknown) => void): void {
  const error = (code: number, message: string): void => answer(code, { error: { message } });
  if (!status.spend) return error(404, 'no audit log is configured (telemetry.audit), so there is no spend to report');
  const params = new URL(url, 'http://admin').searchParams;
  const by = params.get('by') ?? 'team';
  if (!(by in SPEND_GROUPS)) return error(400, `by must be one of ${Object.keys(SPEND_GROUPS).join(', ')}`);
  let query: SpendQuery;
  try {
    query = { by: by as SpendGroup, since: parseTime(params.get('since') ?? undefined, 'since'), until: parseTime(params.get('until') ?? undefined, 'until') };
  } catch (problem) {
    return error(400, (problem as Error).message);
  }
  status.spend(query).then(
    (report) => answer(200, report),
    (problem: Error) => error(500, `reading the audit log failed: ${problem.message}`),
  );
}

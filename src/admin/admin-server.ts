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

/** One endpoint of the admin server beside the admin API's route table (`ADMIN_ROUTES`). */
export interface AdminServerRoute {
  /** Methods served; any other gets 405 with these in `allow`. */
  readonly methods: readonly string[];
  readonly path: string;
  /** Served only when this holds; otherwise the path is handled as if the route did not exist. */
  readonly when?: (status: AdminStatus) => boolean;
  readonly handle: (request: IncomingMessage, response: ServerResponse, metrics: GatewayMetrics, status: AdminStatus) => void;
}

/**
 * The admin server's own endpoints: `/healthz` (the process is alive), `/readyz` (it takes
 * work), `/metrics` (Prometheus text format), all three open to scrapers and probes; `/spend`
 * with an audit log and the admin token; `POST /admin/mcp/tools/approve` when the MCP gateway
 * runs. Everything else under `/admin/` goes to the admin API (`ADMIN_ROUTES`). The OpenAPI
 * document describes both tables (a test checks it).
 */
export const ADMIN_SERVER_ROUTES: readonly AdminServerRoute[] = [
  {
    methods: ['POST'],
    path: APPROVE_PATH,
    when: (status) => status.mcpApprovals !== undefined,
    handle: (request, response, _metrics, status) => {
      const deps = status.mcpApprovals as ApproveDeps;
      handleApprove(request, response, deps).catch((error: Error) => {
        deps.logger.error('mcp approval failed', { error: error.message });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('approval failed\n');
      });
    },
  },
  { methods: ['GET', 'HEAD'], path: '/healthz', handle: (_request, response) => void response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n') },
  {
    methods: ['GET', 'HEAD'],
    path: '/readyz',
    handle: (_request, response, _metrics, status) => {
      const ready = status.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    },
  },
  {
    methods: ['GET', 'HEAD'],
    path: '/spend',
    handle: (request, response, _metrics, status) => {
      // Spend per team, project and key is the admin's to read, exactly as /admin/spend is.
      if (!status.authorize) return answerAdminOff(response);
      const refusal = status.authorize(request.headers.authorization);
      if (refusal) return sendAdminResponse(response, refusal);
      answerSpend(request.url ?? '/', status, (code, body) => response.writeHead(code, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`));
    },
  },
  {
    methods: ['GET', 'HEAD'],
    path: '/metrics',
    handle: (_request, response, metrics) => {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
      );
    },
  },
];

/** Admin HTTP: the routes above, then the admin API under `/admin/` when configured. */
export function createAdminServer(metrics: GatewayMetrics, status: AdminStatus, adminApi?: (request: IncomingMessage, response: ServerResponse) => void): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const method = request.method ?? 'GET';
    const route = ADMIN_SERVER_ROUTES.find((candidate) => candidate.path === path && (candidate.when?.(status) ?? true));
    if (route) {
      if (!route.methods.includes(method)) {
        response.writeHead(405, { allow: route.methods.join(', ') }).end();
        return;
      }
      return route.handle(request, response, metrics, status);
    }
    if (path === '/admin' || path.startsWith('/admin/')) {
      if (adminApi) return adminApi(request, response);
      return answerAdminOff(response);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
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

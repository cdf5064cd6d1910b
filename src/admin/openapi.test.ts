import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GatewayMetrics } from '../telemetry/metrics';
import { silentLogger } from '../telemetry/logger';
import { ToolPins } from '../mcp/tool-pins';
import { ADMIN_ROUTES } from './admin-api';
import { ADMIN_SERVER_ROUTES, createAdminServer } from './admin-server';
import type { AdminStatus } from './admin-server';
import { ADMIN_OPENAPI } from './openapi';

const OPERATIONS = ['get', 'put', 'post', 'delete', 'head', 'patch', 'options'];

/** `METHOD path` for every operation the OpenAPI document describes. */
function described(): string[] {
  return Object.entries(ADMIN_OPENAPI.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => OPERATIONS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/**
 * `METHOD path` for every route the admin server registers: the admin API's table and the
 * admin server's own. HEAD beside GET is GET without a body (RFC 9110), not described apart.
 */
function registered(): string[] {
  const api = ADMIN_ROUTES.map((route) => `${route.method} ${route.path}`);
  const server = ADMIN_SERVER_ROUTES.flatMap((route) => route.methods.filter((method) => !(method === 'HEAD' && route.methods.includes('GET'))).map((method) => `${method} ${route.path}`));
  return [...api, ...server];
}

/** `METHOD path` for every operation docs/admin-api.md names: `GET /x`, `GET`/`PUT /x`, `GET /x?query`. */
function documented(markdown: string): string[] {
  const found: string[] = [];
  for (const match of markdown.matchAll(/`((?:(?:GET|PUT|POST|DELETE|HEAD)`\/`)*(?:GET|PUT|POST|DELETE|HEAD)) (\/[^`\s]*)`/g)) {
    const path = match[2].split('?')[0];
    for (const method of match[1].split('`/`')) found.push(`${method} ${path}`);
  }
  return found;
}

describe('OpenAPI description of the admin port', () => {
  test('every route the admin server registers is described, and nothing else', () => {
    const routes = registered();
    expect(new Set(routes).size).toBe(routes.length);
    expect(described().sort()).toEqual(routes.sort());
    // The MCP approval route (outside ADMIN_ROUTES) is among them.
    expect(routes).toContain('POST /admin/mcp/tools/approve');
  });

  test('docs/admin-api.md names every operation of the OpenAPI document', () => {
    const markdown = readFileSync(join(__dirname, '..', '..', 'docs', 'admin-api.md'), 'utf8');
    const missing = described().filter((operation) => !documented(markdown).includes(operation));
    expect(missing).toEqual([]);
  });

  test('the admin server dispatches by its table: a method outside a route gets 405 naming the route methods', async () => {
    const status: AdminStatus = {
      ready: () => true,
      authorize: () => undefined,
      mcpApprovals: { pins: new ToolPins('enforce'), logger: silentLogger },
    };
    const server: Server = createAdminServer(new GatewayMetrics({ defaultMetrics: false }), status);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const route of ADMIN_SERVER_ROUTES) {
        const response = await fetch(`${base}${route.path}`, { method: route.methods.includes('PUT') ? 'DELETE' : 'PUT' });
        expect([route.path, response.status, response.headers.get('allow')]).toEqual([route.path, 405, route.methods.join(', ')]);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/**
 * The OpenAPI 3.1 description of aigw's admin port, written by hand next to the routes: the
 * admin API (`ADMIN_ROUTES`) and the admin server's own endpoints (`ADMIN_SERVER_ROUTES`:
 * probes, metrics, `/spend`, the MCP tool approval). A test checks that every route (method
 * and path) is described here and nothing else is.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const param = (name: string, description: string): Schema => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const errors = (...statuses: number[]): Record<string, Schema> =>
  Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }]));
const common = errors(401, 403);
const text = (description: string): Schema => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
/** Open to probes and scrapers: no token. */
const OPEN: Schema[] = [];
const SPEND_QUERY = [
  { name: 'by', in: 'query', schema: { enum: ['team', 'project', 'key', 'model'] }, description: 'Grouping (default team)' },
  { name: 'since', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 date or time, inclusive' },
  { name: 'until', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 date or time, exclusive' },
];
const mcpError = (description: string): Schema => json(ref('McpError'), description);

/** GET/PUT/DELETE of a team's or caller's guardrail policy. */
function guardrailPaths(parameter: Schema, scope: string): Schema {
  return {
    parameters: [parameter],
    get: { summary: `A ${scope}'s guardrail policy set at runtime (null: the config's policies apply)`, responses: { '200': json(ref('GuardrailAssignment'), 'Assignment'), ...common } },
    put: {
      summary: `Give a ${scope} a guardrail policy of the config, \`default\`, or \`none\` (before the config's matching; caller before team)`,
      requestBody: json({ type: 'object', required: ['policy'], properties: { policy: { type: 'string' } }, additionalProperties: false }, 'Policy'),
      responses: { '200': json(ref('GuardrailAssignment'), 'Assignment'), ...common, ...errors(400, 503) },
    },
    delete: { summary: 'Drop the assignment (the config decides again)', responses: { '200': json(ref('GuardrailAssignment'), 'Assignment'), ...common, ...errors(503) } },
  };
}

const id = param('id', 'The key id (key_…)');
const team = param('team', 'A team name');
const model = param('name', 'A model name of the catalog');

const ENFORCED = { type: 'boolean', description: 'False when the config has no rateLimits section: the limits are stored but Envoy has no ratelimit filter to enforce them' };

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request body (every problem listed with its field)',
  401: 'No admin token sent',
  403: 'Wrong admin token',
  404: 'Not found: no such key or model; for spend, no audit log (telemetry.audit)',
  409: 'Conflict (caller name in use, or rotating a revoked key)',
  503: 'The admin store is unavailable; nothing was changed',
};

export const ADMIN_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'aigw admin API',
    version: '1',
    description:
      'Runtime administration of aigw on its admin port (`server.admin`): API keys, limits, the model catalog, team access profiles, guardrail policy assignments and spend reports under `/admin/`, where every call needs `Authorization: Bearer <admin token>` and answers carry `storage` ("redis" or "memory"; with memory, an `x-aigw-warning` header says changes are not shared or kept). The same port serves the open probes and metrics (`/healthz`, `/readyz`, `/metrics`), `/spend` (admin token), and, when the MCP gateway runs, `POST /admin/mcp/tools/approve` (its own token, `mcp.adminToken`).',
  },
  security: [{ adminToken: [] }],
  paths: {
    '/admin/keys': {
      post: {
        summary: 'Create a key (shown once, in this answer only)',
        requestBody: json(ref('CreateKey'), 'The caller the key belongs to'),
        responses: { '201': json(ref('CreatedKey'), 'The new key'), ...common, ...errors(400, 409, 503) },
      },
      get: { summary: 'List keys (never the key or its hash)', responses: { '200': json({ type: 'object', properties: { data: { type: 'array', items: ref('Key') } } }, 'Keys'), ...common } },
    },
    '/admin/keys/{id}': {
      parameters: [id],
      get: { summary: 'One key', responses: { '200': json(ref('Key'), 'The key'), ...common, ...errors(404) } },
      delete: { summary: 'Revoke a key (at once, on every instance sharing the store)', responses: { '200': json(ref('Key'), 'The revoked key'), ...common, ...errors(404, 503) } },
    },
    '/admin/keys/{id}/rotate': {
      parameters: [id],
      post: { summary: 'Replace the key (shown once); the old one stops working', responses: { '200': json(ref('CreatedKey'), 'The new key'), ...common, ...errors(404, 409, 503) } },
    },
    '/admin/keys/{id}/limits': {
      parameters: [id],
      get: { summary: "A key's limits", responses: { '200': json(ref('KeyLimits'), 'Limits'), ...common, ...errors(404) } },
      put: {
        summary: "Set a key's limits (replaces them all)",
        requestBody: json(ref('Limits'), 'Limits'),
        responses: { '200': json(ref('KeyLimits'), 'Limits'), ...common, ...errors(400, 404, 503) },
      },
    },
    '/admin/teams/{team}/limits': {
      parameters: [team],
      get: { summary: "A team's limits", responses: { '200': json(ref('TeamLimits'), 'Limits'), ...common } },
      put: {
        summary: "Set a team's limits (replaces them all)",
        requestBody: json(ref('Limits'), 'Limits'),
        responses: { '200': json(ref('TeamLimits'), 'Limits'), ...common, ...errors(400, 503) },
      },
    },
    '/admin/teams/{team}/profile': {
      parameters: [team],
      get: { summary: "A team's effective access profile", responses: { '200': json(ref('Profile'), 'Profile'), ...common } },
      put: {
        summary: "Set a team's allowed models (without `models`: every model)",
        requestBody: json({ type: 'object', properties: { models: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }, 'Allowed models'),
        responses: { '200': json(ref('Profile'), 'Profile'), ...common, ...errors(400, 503) },
      },
      delete: { summary: 'Drop the runtime profile (the config profile applies again)', responses: { '200': json(ref('Profile'), 'Profile'), ...common, ...errors(503) } },
    },
    '/admin/teams/{team}/guardrails': guardrailPaths(team, 'team'),
    '/admin/callers/{name}/guardrails': guardrailPaths(param('name', 'A caller: a config caller or a runtime key name'), 'caller'),
    '/admin/models': {
      get: { summary: 'The catalog with each model enabled or not', responses: { '200': json({ type: 'object', properties: { data: { type: 'array', items: ref('Model') } } }, 'Models'), ...common } },
    },
    '/admin/models/{name}': {
      parameters: [model],
      get: { summary: 'One model', responses: { '200': json(ref('Model'), 'Model'), ...common, ...errors(404) } },
      put: {
        summary: 'Enable or disable a model (disabled: 403 for every caller, left out of /v1/models)',
        requestBody: json({ type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } }, additionalProperties: false }, 'Setting'),
        responses: { '200': json(ref('Model'), 'Model'), ...common, ...errors(400, 404, 503) },
      },
    },
    '/admin/spend': {
      get: {
        summary: 'Spend and tokens per team, project, key or model from the audit log (what `aigw spend --json` prints)',
        parameters: SPEND_QUERY,
        responses: { '200': json({ type: 'object' }, 'Spend report'), ...common, ...errors(400, 404) },
      },
    },
    '/admin/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1'), ...common } } },
    '/admin/mcp/tools/approve': {
      post: {
        summary:
          "Approve an MCP tool's changed definition (pins its current sha256, so `pinning: enforce` shows it again). Served only when the MCP gateway runs; otherwise the path is the admin API's (404)",
        security: [{ mcpAdminToken: [] }],
        requestBody: json(
          { type: 'object', required: ['server', 'tool'], properties: { server: { type: 'string' }, tool: { type: 'string' }, sha256: { type: 'string', description: 'The pending hash being approved (optional)' } } },
          'The tool',
        ),
        responses: {
          '200': json({ type: 'object', properties: { server: { type: 'string' }, tool: { type: 'string' }, approved: { type: 'string', description: 'The approved sha256' } } }, 'Approved'),
          '400': mcpError('The body is not JSON, or server/tool are not strings'),
          '401': mcpError('No or wrong MCP admin token'),
          '404': mcpError('Off: mcp.adminToken is not set'),
          '409': mcpError('Nothing to approve, or sha256 is not the pending definition'),
        },
      },
    },
    '/spend': {
      get: {
        summary: 'The spend report of `GET /admin/spend`, beside /metrics (without the `storage` field); off (404) without admin.token',
        parameters: SPEND_QUERY,
        responses: { '200': json({ type: 'object' }, 'Spend report'), ...common, ...errors(400, 404) },
      },
    },
    '/healthz': { get: { summary: 'Liveness: the process is alive (no token; HEAD too)', security: OPEN, responses: { '200': text('ok') } } },
    '/readyz': {
      get: { summary: 'Readiness: 503 while starting and while draining (no token; HEAD too)', security: OPEN, responses: { '200': text('ready'), '503': text('not ready') } },
    },
    '/metrics': { get: { summary: 'Prometheus metrics, text format (no token; HEAD too)', security: OPEN, responses: { '200': text('Prometheus text exposition format') } } },
  },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'The token named by admin.token in aigw.yaml' },
      mcpAdminToken: { type: 'http', scheme: 'bearer', description: 'The token named by mcp.adminToken in aigw.yaml (MCP tool approval only)' },
    },
    responses: Object.fromEntries(Object.entries(ERROR_TEXT).map(([status, text]) => [`Error${status}`, json(ref('Error'), text)])),
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } } } },
      McpError: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      CreateKey: {
        type: 'object',
        required: ['name', 'team', 'project'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'Caller name requests are attributed to; unique among live keys' },
          team: { type: 'string' },
          project: { type: 'string' },
          user: { type: 'string' },
          expiresAt: { type: 'string', format: 'date-time' },
        },
      },
      Key: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          team: { type: 'string' },
          project: { type: 'string' },
          user: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' },
          revokedAt: { type: 'string', format: 'date-time' },
          rotatedAt: { type: 'string', format: 'date-time' },
          status: { enum: ['active', 'expired', 'revoked'] },
          storage: { enum: ['memory', 'redis'] },
        },
      },
      CreatedKey: { allOf: [ref('Key'), { type: 'object', required: ['key'], properties: { key: { type: 'string', description: 'The key: shown here once, stored only as a SHA-256 hash' } } }] },
      Limits: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tokensPerMinute: { type: 'integer', minimum: 1 },
          tokensPerDay: { type: 'integer', minimum: 1 },
          requestsPerMinute: { type: 'integer', minimum: 1 },
          usdPerDay: { type: 'number', exclusiveMinimum: 0 },
          usdPerMonth: { type: 'number', exclusiveMinimum: 0 },
        },
      },
      KeyLimits: { type: 'object', properties: { id: { type: 'string' }, limits: ref('Limits'), enforced: ENFORCED } },
      TeamLimits: { type: 'object', properties: { team: { type: 'string' }, limits: ref('Limits'), enforced: ENFORCED } },
      Model: { type: 'object', properties: { name: { type: 'string' }, enabled: { type: 'boolean' } } },
      GuardrailAssignment: {
        type: 'object',
        properties: { scope: { enum: ['team', 'caller'] }, name: { type: 'string' }, policy: { type: ['string', 'null'] }, source: { enum: ['admin', 'config'] } },
      },
      Profile: {
        type: 'object',
        properties: { team: { type: 'string' }, models: { type: ['array', 'null'], items: { type: 'string' } }, source: { enum: ['admin', 'config', 'none'] } },
      },
    },
  },
} as const;

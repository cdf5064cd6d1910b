import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger';
import type { Secret } from '../config/secret';
import type { ToolPins } from './tool-pins';

/** The admin path that approves a changed tool definition. */
export const APPROVE_PATH = '/admin/mcp/tools/approve';

/** What the approve endpoint needs: the pins and the admin token (the endpoint is off without one). */
export interface ApproveDeps {
  readonly pins: ToolPins;
  readonly adminToken?: Secret;
  readonly logger: Logger;
}

/**
 * POST /admin/mcp/tools/approve with `Authorization: Bearer <admin token>` and
 * `{"server": "github", "tool": "create_issue", "sha256": "<optional: the hash being approved>"}`:
 * pins the tool's current definition, so enforce mode shows it again. Answers 200 with the
 * approved hash, 409 when there is nothing to approve, 401 for a wrong token, 404 when off.
 */
export async function handleApprove(request: IncomingMessage, response: ServerResponse, deps: ApproveDeps): Promise<void> {
  const json = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (!deps.adminToken) return json(404, { error: 'the MCP admin API is off (mcp.adminToken is not set)' });
  if (!tokenMatches(request.headers.authorization, deps.adminToken)) return json(401, { error: 'admin token required' });
  let body: { server?: unknown; tool?: unknown; sha256?: unknown };
  try {
    body = JSON.parse(await readSmallBody(request)) as typeof body;
  } catch {
    return json(400, { error: 'the body must be JSON: {"server", "tool", "sha256"?}' });
  }
  if (typeof body.server !== 'string' || typeof body.tool !== 'string' || (body.sha256 !== undefined && typeof body.sha256 !== 'string')) {
    return json(400, { error: 'server and tool must be strings (sha256 optional)' });
  }
  const outcome = await deps.pins.approve(body.server, body.tool, body.sha256 as string | undefined);
  if ('problem' in outcome) return json(409, { error: outcome.problem });
  deps.logger.info('mcp tool definition approved', { audit: 'mcp_tool_approved', server: body.server, tool: body.tool, sha256: outcome.approved });
  json(200, { server: body.server, tool: body.tool, approved: outcome.approved });
}

/** Compares digests in constant time, so the comparison time says nothing about the token. */
function tokenMatches(header: string | undefined, token: Secret): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (presented === undefined) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token.reveal()));
}

async function readSmallBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > 65_536) throw new Error('body too large');
  }
  return text;
}

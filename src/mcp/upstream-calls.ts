import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { RuntimeMcpServer } from './runtime-mcp';

/**
 * Timing, error counting and the parallel fan-out with a per-server deadline, shared by every
 * method that reaches upstream servers.
 */

/** Counts one upstream request: latency always, an error by kind when it fails. */
export async function timed<T>(
  metrics: GatewayMetrics,
  labels: { server: string; method: string; tool?: string },
  run: () => Promise<T>,
  isToolError: (result: T) => boolean = () => false,
): Promise<T> {
  const end = metrics.mcpRequestDuration.startTimer({ server: labels.server, method: labels.method, tool: labels.tool ?? '' });
  try {
    const result = await run();
    if (isToolError(result)) metrics.mcpErrors.inc({ server: labels.server, method: labels.method, tool: labels.tool ?? '', kind: 'tool_error' });
    return result;
  } catch (error) {
    metrics.mcpErrors.inc({ server: labels.server, method: labels.method, tool: labels.tool ?? '', kind: errorKind(error) });
    throw error;
  } finally {
    end();
  }
}

/** timeout, cancelled or error: a bounded label for a failure. */
export function errorKind(error: unknown): string {
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return 'timeout';
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'timeout';
  return 'error';
}

/** What one server gave to a fan-out. */
export interface ServerItems<T> {
  readonly server: RuntimeMcpServer;
  readonly items: readonly T[];
}

/**
 * Runs `run` on every server in parallel, each under its own deadline (timeoutMs) and the
 * caller's signal. A server that fails or misses its deadline is left out, logged and
 * counted; the others' answers come back in server order.
 */
export async function fanOut<T>(
  servers: readonly RuntimeMcpServer[],
  method: string,
  signal: AbortSignal,
  deps: { logger: Logger; metrics: GatewayMetrics },
  run: (server: RuntimeMcpServer, signal: AbortSignal) => Promise<readonly T[]>,
): Promise<Array<ServerItems<T>>> {
  const settled = await Promise.all(
    servers.map(async (server) => {
      const deadline = AbortSignal.timeout(server.timeoutMs);
      const combined = AbortSignal.any([signal, deadline]);
      let timer: NodeJS.Timeout | undefined;
      // The race guards against any step that does not watch the signal.
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new McpError(ErrorCode.RequestTimeout, `no answer within ${server.timeoutMs} ms`)), server.timeoutMs);
      });
      try {
        return { server, items: await Promise.race([run(server, combined), expired]) };
      } catch (error) {
        if (signal.aborted) return undefined;
        deps.metrics.mcpServersLeftOut.inc({ server: server.name, method });
        deps.logger.warn('mcp server left out', { server: server.name, method, reason: errorKind(error), error: (error as Error).message });
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return settled.filter((entry): entry is ServerItems<T> => entry !== undefined);
}

/** Follows nextCursor up to a bound, so a list is whole (the gateway's own lists are not paged). */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string }>,
  maxPages = 50,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}

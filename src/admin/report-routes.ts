import { SPEND_GROUPS, parseTime } from '../telemetry/spend-report';
import type { SpendGroup } from '../telemetry/spend-report';
import type { AdminContext, AdminResponse, AdminRoute } from './admin-router';
import { AdminError } from './admin-router';

/** `GET /admin/spend?by=team|project|key|model&since=…&until=…`: what `aigw spend --json` prints, from the audit log. */
async function spend(context: AdminContext, query: URLSearchParams): Promise<AdminResponse> {
  if (!context.spend) throw new AdminError(404, 'No audit log is configured (telemetry.audit), so there is no spend to report.');
  const by = query.get('by') ?? 'team';
  if (!(by in SPEND_GROUPS)) throw new AdminError(400, `by must be one of ${Object.keys(SPEND_GROUPS).join(', ')}.`);
  let since: Date | undefined;
  let until: Date | undefined;
  try {
    since = parseTime(query.get('since') ?? undefined, 'since');
    until = parseTime(query.get('until') ?? undefined, 'until');
  } catch (error) {
    throw new AdminError(400, (error as Error).message);
  }
  return { status: 200, body: await context.spend({ by: by as SpendGroup, since, until }) };
}

/** Reports. */
export const REPORT_ROUTES: readonly AdminRoute[] = [{ method: 'GET', path: '/admin/spend', handle: (context, _params, _body, query) => spend(context, query) }];

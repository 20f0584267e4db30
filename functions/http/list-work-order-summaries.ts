/** GET /facility/{facilityId}/workOrderSummaries: search and list orders with their hub state, paged, JSON or CSV. */

import { toCsv, wantsCsv } from '../domain/csv.ts';
import { openCursor, signCursor } from '../domain/cursor.ts';
import { invalidInput } from '../domain/errors.ts';
import { decodeSummaryCursor, encodeSummaryCursor, parseSummaryQuery, queryBinding } from '../domain/summaries.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { cursorSecret } from '../store/hub-secret.ts';
import { countRecords, querySummaries } from '../store/summary-store.ts';
import { listWorkOrderSummaries } from '../use-cases/list-work-order-summaries.ts';
import { nextPageUrl } from './poll-stream.ts';

const COLUMNS = ['workOrderNumber', 'agency', 'status', 'revision', 'createdAt', 'modifiedAt', 'acknowledgement', 'records'] as const;

export const handler = httpHandler('listWorkOrderSummaries', async ({ event, caller, facilityId, query: q }) => {
  const query = parseSummaryQuery(q);
  // Bound to who asked, where, and for exactly this query: a cursor cannot be replayed elsewhere.
  const binding = [caller.keyId, facilityId, 'SUMMARIES', queryBinding(query)];
  let after: string | null = null;
  if (q.cursor !== undefined) {
    const payload = openCursor(q.cursor, await cursorSecret(), binding);
    if (payload === null) {
      throw invalidInput('cursor is not one this hub issued for this key, facility and query; start again without it.', [
        { path: '/queryStringParameters/cursor', message: 'not a cursor of this query' },
      ]);
    }
    after = decodeSummaryCursor(payload);
  }
  const page = await listWorkOrderSummaries({ querySummaries, countRecords }, { facilityId, query, after });
  const next = page.next === null ? null : signCursor(encodeSummaryCursor(page.next), await cursorSecret(), binding);
  const headers: Record<string, string> = next ? { link: `<${nextPageUrl(event, next)}>; rel="next"` } : {};
  if (wantsCsv(event.headers?.accept)) {
    const rows = page.summaries.map((s) => COLUMNS.map((c) => s[c]));
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', ...headers }, body: toCsv(COLUMNS, rows) };
  }
  return json({ workOrderSummaries: page.summaries, next }, 200, headers);
});

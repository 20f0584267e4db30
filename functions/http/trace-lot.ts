/** GET /facility/{facilityId}/trace: a lot traced forward (where it went) or backward (what went into it), JSON or CSV. */
import { type CsvCell, toCsv, wantsCsv } from '../domain/csv.ts';
import { parseTraceQuery, TRACE_CSV_HEADER, traceCsvRow } from '../domain/lot-trace.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { traceStore } from '../store/trace-store.ts';
import { traceForward, traceLotBackward, traceRecordBackward } from '../use-cases/trace-lots.ts';

export const handler = httpHandler('traceLot', async ({ event, facilityId, query }) => {
  const q = parseTraceQuery(query);
  if (q.kind === 'workRecord') return json(await traceRecordBackward(traceStore, facilityId, q.number, q.agency));
  if (q.direction === 'backward') return json(await traceLotBackward(traceStore, facilityId, q.number, q.agency));
  const trace = await traceForward(traceStore, facilityId, q.number, q.agency);
  if (wantsCsv(event.headers?.accept)) {
    const rows: CsvCell[][] = [
      ...trace.affected.map((r) => traceCsvRow('affected', r, facilityId)),
      ...trace.possible.map((r) => traceCsvRow('possible', r, facilityId)),
    ];
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: toCsv(TRACE_CSV_HEADER, rows) };
  }
  return json(trace);
});

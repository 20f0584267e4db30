/** GET /trace: a lot traced at every facility of the stack that knows it (keys covering every facility), JSON or CSV. */
import { type CsvCell, toCsv, wantsCsv } from '../domain/csv.ts';
import { invalidInput } from '../domain/errors.ts';
import { parseTraceQuery, TRACE_CSV_HEADER, traceCsvRow } from '../domain/lot-trace.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { traceStore } from '../store/trace-store.ts';
import { traceEverywhere } from '../use-cases/trace-lots.ts';

export const handler = httpHandler('traceLotEverywhere', async ({ event, query }) => {
  const q = parseTraceQuery(query);
  if (q.kind === 'workRecord') {
    throw invalidInput('A work record belongs to one facility: trace it with GET /facility/{facilityId}/trace?workRecord=.', [
      { path: '/queryStringParameters/workRecord', message: 'is for the facility route' },
    ]);
  }
  const trace = await traceEverywhere(traceStore, q.number, q.agency, q.direction);
  if ('affected' in trace && wantsCsv(event.headers?.accept)) {
    const rows: CsvCell[][] = [
      ...trace.affected.map((r) => traceCsvRow('affected', r, '')),
      ...trace.possible.map((r) => traceCsvRow('possible', r, '')),
    ];
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: toCsv(TRACE_CSV_HEADER, rows) };
  }
  return json(trace);
});

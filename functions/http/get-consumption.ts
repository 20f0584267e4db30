/** GET /facility/{facilityId}/consumption: what was dispensed in [from, to), per product (and per day or per order), JSON or CSV. */
import { parseConsumptionQuery } from '../domain/consumption.ts';
import { type CsvCell, toCsv, wantsCsv } from '../domain/csv.ts';
import { isoMs } from '../domain/time.ts';
import { exactJson } from '../shared/exact-json.ts';
import { httpHandler } from '../shared/handler.ts';
import { readAggregates, readRecordsDated, readRollups } from '../store/consumption-store.ts';
import { getConsumption } from '../use-cases/get-consumption.ts';

export const handler = httpHandler('getConsumption', async ({ event, facilityId, query: params }) => {
  const query = parseConsumptionQuery(params);
  const rows = await getConsumption({ readAggregates, readRecordsDated, rollups: readRollups }, { facilityId, query });
  if (wantsCsv(event.headers?.accept)) {
    const header = [
      'productAgency',
      'productNumber',
      'productName',
      ...(query.groupBy === 'day' ? ['day'] : []),
      ...(query.groupBy === 'order' ? ['workOrderAgency', 'workOrderNumber'] : []),
      'quantity',
      'uom',
      'records',
    ];
    const cells = rows.map((r): CsvCell[] => [
      r.product.agency,
      r.product.number,
      r.product.name,
      ...(query.groupBy === 'day' ? [r.day] : []),
      ...(query.groupBy === 'order' ? [r.workOrder?.agency, r.workOrder?.number] : []),
      { raw: r.quantity.value },
      r.quantity.uom,
      r.records,
    ]);
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: toCsv(header, cells) };
  }
  const body = { from: isoMs(query.from), to: isoMs(query.to), groupBy: query.groupBy, tz: query.tz, rows };
  // Quantities are exact decimal text: written as JSON numbers digit for digit, never through a float.
  return exactJson(body);
});

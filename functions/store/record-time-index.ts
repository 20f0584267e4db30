/**
 * Record heads by record time: the edges of a consumption report that does not start or end on
 * a slot edge read the records dated in the partial slots (domain/consumption.ts).
 *
 * No index of its own: the record head carries a sparse entry on the order-summaries index by
 * modification time (gsi3pk/gsi3sk, ProjectionType ALL), in a partition no order is in
 * (`FAC#{facility}#RECORDTIME`; orders are in `FAC#{facility}#ORDERS#{status}`), sorted like every
 * gsi3sk: the fixed-width ISO time (ms, UTC), then the identity. Records carry no gsi4sk, so the
 * created-time index (gsi3pk/gsi4sk) never holds them. A record dated by nothing
 * (recordTime null) has no entry: it counts in no report.
 *
 * Built here only, and spread into the record head (record-store.ts recordHeadItem), so that a
 * new record and every correction carry the entry of their latest revision's time; the backfill
 * adds it to heads written before (backfill.ts).
 */
import { recordTime } from '../domain/consumption.ts';
import { isoMs } from '../domain/time.ts';
import type { WorkRecordDocument } from '../domain/work-records.ts';
import { changePosition, recordTimePk } from './keys.ts';
import { TABLE } from './table.ts';

/** The index the entries are on. */
export const RECORD_TIME_INDEX = TABLE.ordersByStatusModifiedIndex;

/** The index attributes of a record head dated by `doc` (none when the document dates nothing). */
export function recordTimeIndex(facilityId: string, doc: WorkRecordDocument, agency: string, number: string): Record<string, string> {
  const at = recordTime(doc);
  if (at === null) return {};
  return {
    [RECORD_TIME_INDEX.partitionKey]: recordTimePk(facilityId),
    [RECORD_TIME_INDEX.sortKey]: changePosition(isoMs(at), agency, number),
  };
}

/** The index sort-key bounds (inclusive) of the records dated in [fromMs, toMs), whole milliseconds. */
export function recordTimeBounds(fromMs: number, toMs: number): [string, string] {
  // `#` (the separator after the time) sorts below `~`: every entry of the last millisecond is below the upper bound.
  return [isoMs(fromMs), `${isoMs(toMs - 1)}~`];
}

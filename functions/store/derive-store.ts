/**
 * The derive engine's side of the table (use-cases/derive-records.ts): record heads and their
 * derived-state items (sk RECORDDERIVED#…), the orders and early reports their reports move,
 * and the one transaction that writes a step: derived items conditioned on the revision read,
 * orders and early reports on their version, consumption ADDs, balances on their version with
 * their ledger entries.
 */

import type { LotEntryHashes } from '../domain/lots.ts';
import {
  type DerivedState,
  type DerivedWrite,
  type OrderReports,
  type RecordFigures,
  type RecordHead,
  type RecordLotsWrite,
  reportKey,
} from '../domain/record-figures.ts';
import type { WorkRecordDocument } from '../domain/work-records.ts';
import { config } from '../shared/config.ts';
import { batchGetItems, loadByIdentity } from './batch-get.ts';
import { aggregateUpdates, aggregateUpdatesFit } from './consumption-store.ts';
import { bool, num, optionalNum, optionalText, text } from './item-fields.ts';
import { facilityPk, orderSk, recordDerivedSk, recordRevisionSk, recordSk } from './keys.ts';
import { loadSeenLots, lotIndexItemCount, lotIndexItems, pendingMarkerRemoval } from './lot-index-store.ts';
import { loadOrderSlots, orderPut } from './order-store.ts';
import { recordsOfOrder } from './record-store.ts';
import { balanceChangeItems, ITEMS_PER_BALANCE_CHANGE, loadBalances } from './stock-store.ts';
import { TABLE } from './table.ts';
import { MAX_TRANSACTION_ITEMS, type TransactItem, transactWrite } from './transact.ts';

type Item = Record<string, unknown>;
type Identity = { agency: string; number: string };

/** A record head's latest revision as the engine reads it. */
export function headFromItem(item: Item): RecordHead {
  return {
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    doc: JSON.parse(text(item, 'doc')) as WorkRecordDocument,
    revision: optionalNum(item, 'revision') ?? 1,
    voided: optionalText(item, 'recordStatus') === 'voided',
    receivedAt: Date.parse(text(item, 'receivedAt')),
    aggregated: item.aggregated === undefined ? false : bool(item, 'aggregated'),
    pending: item[TABLE.recordsPendingDeriveIndex.partitionKey] !== undefined,
  };
}

function derivedFromItem(item: Item): DerivedState & Identity {
  const figures = optionalText(item, 'figures');
  const lots = optionalText(item, 'lots');
  return {
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    revision: num(item, 'revision'),
    figures: figures === undefined ? null : (JSON.parse(figures) as RecordFigures),
    ...(lots === undefined ? {} : { lots: JSON.parse(lots) as LotEntryHashes }),
  };
}

/** The action writing a record's derived state, conditioned on the revision read (null: absent). */
function derivedPut(
  facilityId: string,
  r: { agency: string; number: string; expectedRevision: number | null; state: DerivedState },
): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: facilityPk(facilityId),
        [TABLE.sortKey]: recordDerivedSk(r.agency, r.number),
        kind: 'recordDerived',
        agency: r.agency,
        number: r.number,
        revision: r.state.revision,
        ...(r.state.figures === null ? {} : { figures: JSON.stringify(r.state.figures) }),
        ...(r.state.lots === undefined ? {} : { lots: JSON.stringify(r.state.lots) }),
      },
      ...(r.expectedRevision === null
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
        : {
            ConditionExpression: '#rev = :rev',
            ExpressionAttributeNames: { '#rev': 'revision' },
            ExpressionAttributeValues: { ':rev': r.expectedRevision },
          }),
    },
  };
}

/** The action keeping what records reported for an order the hub does not know yet, at the version read (0: none kept). */
export function earlyReportPut(facilityId: string, r: DerivedWrite['earlyReports'][number]): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: facilityPk(facilityId),
        [TABLE.sortKey]: orderSk(r.agency, r.number),
        kind: 'orderReport',
        facilityId,
        agency: r.agency,
        number: r.number,
        records: JSON.stringify(r.records),
        // The engine keeps every record naming the order here (derive-records.ts): the order created over it counts them.
        recordCount: Object.keys(r.records).length,
        version: r.expectedVersion + 1,
      },
      // Never over an order created meanwhile: the step reads again and reports to the order.
      ...(r.expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }
        : {
            ConditionExpression: '#kind = :kind AND #v = :v',
            ExpressionAttributeNames: { '#kind': 'kind', '#v': 'version' },
            ExpressionAttributeValues: { ':kind': 'orderReport', ':v': r.expectedVersion },
          }),
    },
  };
}

/** The actions of one derive step. */
function stepItems(write: DerivedWrite): TransactItem[] {
  const { facilityId } = write;
  return [
    ...write.records.map((r) => derivedPut(facilityId, r)),
    ...write.orders.map(orderPut),
    ...write.earlyReports.map((r) => earlyReportPut(facilityId, r)),
    ...aggregateUpdates(facilityId, write.consumption),
    ...balanceChangeItems(facilityId, write.stock),
    ...lotIndexItems(facilityId, write.lots),
    ...write.markers.map((m) => pendingMarkerRemoval(facilityId, m)),
  ];
}

/** What every record naming this order reports now, read from the records index (orders kept before the reports were). */
async function reportsOfOrder(facilityId: string, order: Identity): Promise<OrderReports> {
  const heads = await recordsOfOrder(facilityId, order.agency, order.number, headFromItem);
  return Object.fromEntries(heads.map((h) => [reportKey(h.agency, h.number), h.voided ? 'voided' : h.doc.orderStatus]));
}

/** Every read and write of the derive engine, as the use case takes them. */
export const derivedFiguresStore = {
  loadHeads: (facilityId: string, identities: readonly Identity[]) =>
    loadByIdentity(facilityPk(facilityId), identities, recordSk, headFromItem),
  loadDerived: (facilityId: string, identities: readonly Identity[]) =>
    loadByIdentity(facilityPk(facilityId), identities, recordDerivedSk, derivedFromItem),
  async loadFirstRevision(facilityId: string, { agency, number }: Identity): Promise<WorkRecordDocument | null> {
    const [item] = await batchGetItems([
      { [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: recordRevisionSk(agency, number, 1) },
    ]);
    return item ? (JSON.parse(text(item, 'doc')) as WorkRecordDocument) : null;
  },
  loadOrderSlots,
  reportsOfOrder,
  loadBalances,
  loadSeenLots,
  actions: (write: DerivedWrite) =>
    // A group whose merged roll-up Updates would not fit one expression is split as if it had too many actions.
    (write.records.length > 1 && !aggregateUpdatesFit(write.facilityId, write.consumption) ? MAX_TRANSACTION_ITEMS : 0) +
    write.records.length +
    write.orders.length +
    write.earlyReports.length +
    write.consumption.length +
    write.stock.length * ITEMS_PER_BALANCE_CHANGE +
    lotIndexItemCount(write.lots) +
    write.markers.length,
  maxActions: MAX_TRANSACTION_ITEMS,
  save: (write: DerivedWrite) => transactWrite(stepItems(write)),
};

/** The one write of the lot backfill (use-cases/index-lots.ts): a record's entries with its derived state remembering them. */
function saveRecordLots(write: RecordLotsWrite): Promise<void> {
  const put = derivedPut(write.facilityId, { ...write.record, expectedRevision: write.expectedRevision, state: write.state });
  if (write.expectedRevision !== null && put.Put) {
    put.Put.ConditionExpression = '#rev = :rev AND attribute_not_exists(#lots)';
    put.Put.ExpressionAttributeNames = { ...put.Put.ExpressionAttributeNames, '#lots': 'lots' };
  }
  return transactWrite([put, ...lotIndexItems(write.facilityId, write.lots)]);
}

/** The reads and the write of the lot backfill. */
export const lotBackfillStore = {
  loadHeads: derivedFiguresStore.loadHeads,
  loadDerived: derivedFiguresStore.loadDerived,
  loadSeenLots,
  maxActions: MAX_TRANSACTION_ITEMS,
  saveRecordLots,
};

/** A changed item of the table stream, in DynamoDB's attribute-value form (only what is read here). */
type StreamImage = Record<string, { S?: string; N?: string; BOOL?: boolean }>;

/**
 * The record a change of the table stream asks to derive, or null when the change shows there
 * is nothing to do without reading: not a record head (derived items, aggregates, orders,
 * balances, ledgers, revisions); a head without the pending-derive marker that the engine marked
 * as counted at its revision (`derivedRevision`: the engine's own removal of the marker); or a
 * record written before the engine still at its first revision (its creating transaction counted
 * it). A head written before the marker existed carries neither: it is derived as before.
 */
export function recordToDerive(newImage: StreamImage | undefined): { facilityId: string; agency: string; number: string } | null {
  if (newImage?.kind?.S !== 'record' || !newImage[TABLE.sortKey]?.S?.startsWith('RECORD#')) return null;
  const facilityId = newImage.facilityId?.S;
  const agency = newImage.agency?.S;
  const number = newImage.number?.S;
  if (!facilityId || !agency || !number) return null;
  const revision = newImage.revision?.N === undefined ? 1 : Number(newImage.revision.N);
  if (newImage[TABLE.recordsPendingDeriveIndex.partitionKey]?.S !== undefined) return { facilityId, agency, number };
  if (newImage.derivedRevision?.N !== undefined && Number(newImage.derivedRevision.N) === revision) return null;
  if (newImage.aggregated?.BOOL === true && revision <= 1) return null;
  return { facilityId, agency, number };
}

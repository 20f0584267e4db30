/**
 * The reads of a lot trace (use-cases/trace-lots.ts): one lot's partition of the lot index, a
 * component's unlotted lines in a period, where a lot number is known, the facility's record
 * heads not derived yet (the pending-derive index), record heads and orders by identity.
 */
import { identityKey } from '../domain/documents.ts';
import type { LotLine, LotReceipt, LotRef } from '../domain/lots.ts';
import type { RecordHead } from '../domain/record-figures.ts';
import { batchGetItems } from './batch-get.ts';
import { headFromItem } from './derive-store.ts';
import { text } from './item-fields.ts';
import {
  facilityPk,
  lotPk,
  lotSeenPk,
  lotSeenSk,
  orderSk,
  pendingDerivePk,
  recordNumberPrefix,
  recordSk,
  unlottedPk,
  unlottedRange,
} from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';

type Identity = { agency: string; number: string };

/** One lot's partition at a facility (strongly consistent): its uses, the records that made it, its receipts. */
export async function readLotPartition(
  facilityId: string,
  lot: LotRef,
): Promise<{ uses: LotLine[]; made: LotLine[]; receipts: LotReceipt[] }> {
  const items = await queryAll({
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    ExpressionAttributeValues: { ':pk': lotPk(facilityId, lot.agency, lot.number) },
    ConsistentRead: true,
  });
  const out = { uses: [] as LotLine[], made: [] as LotLine[], receipts: [] as LotReceipt[] };
  for (const item of items) {
    if (item.kind === 'lotUse') out.uses.push(JSON.parse(text(item, 'line')) as LotLine);
    else if (item.kind === 'lotMade') out.made.push(JSON.parse(text(item, 'line')) as LotLine);
    else if (item.kind === 'lotReceipt') out.receipts.push(JSON.parse(text(item, 'receipt')) as LotReceipt);
  }
  return out;
}

/** A component's lines that named no lot, dispensed in [from, to] (ISO ms; `to` null: until the latest). */
export function readUnlotted(facilityId: string, component: Identity, from: string, to: string | null): Promise<LotLine[]> {
  const [lo, hi] = unlottedRange(from, to ?? '9999-12-31T23:59:59.999Z');
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': unlottedPk(facilityId, component.agency, component.number), ':lo': lo, ':hi': hi },
      ConsistentRead: true,
    },
    (item) => JSON.parse(text(item, 'line')) as LotLine,
  );
}

/** Where a lot number is known: each facility and agency (one facility's, or every facility's). */
export function readLotSeen(number: string, facilityId?: string): Promise<{ facilityId: string; agency: string }[]> {
  return queryAll(
    {
      KeyConditionExpression: facilityId === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(facilityId === undefined ? {} : { '#sk': TABLE.sortKey }) },
      ExpressionAttributeValues: {
        ':pk': lotSeenPk(number),
        ...(facilityId === undefined ? {} : { ':prefix': lotSeenSk(facilityId, '') }),
      },
      ConsistentRead: true,
    },
    (item) => ({ facilityId: text(item, 'facilityId'), agency: text(item, 'agency') }),
  );
}

/** The facility's record heads whose latest revision is not derived yet (the pending-derive index; usually none). */
export function readPendingHeads(facilityId: string): Promise<RecordHead[]> {
  const { name, partitionKey } = TABLE.recordsPendingDeriveIndex;
  return queryAll(
    {
      IndexName: name,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': partitionKey },
      ExpressionAttributeValues: { ':p': pendingDerivePk(facilityId) },
    },
    headFromItem,
  );
}

/** Record heads by identity (strongly consistent): the backward trace reads the records themselves. */
export async function loadRecordHeads(facilityId: string, identities: readonly Identity[]): Promise<RecordHead[]> {
  const unique = new Map(identities.map((i) => [identityKey(i.agency, i.number), i]));
  const items = await batchGetItems(
    [...unique.values()].map((i) => ({ [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: recordSk(i.agency, i.number) })),
  );
  return items.map(headFromItem);
}

/** The heads of the records with this number (one agency's, or every agency's), strongly consistent. */
export async function findRecordHeads(facilityId: string, number: string, agency: string | null): Promise<RecordHead[]> {
  if (agency !== null) return loadRecordHeads(facilityId, [{ agency, number }]);
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': recordNumberPrefix(number) },
      ConsistentRead: true,
    },
    headFromItem,
  );
}

/** The documents of these orders (strongly consistent), by identityKey; unknown orders are absent. */
export async function loadOrderDocs(facilityId: string, identities: readonly Identity[]): Promise<Map<string, { parties?: unknown }>> {
  const unique = new Map(identities.map((i) => [identityKey(i.agency, i.number), i]));
  const items = await batchGetItems(
    [...unique.values()].map((i) => ({ [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: orderSk(i.agency, i.number) })),
  );
  return new Map(
    items
      .filter((item) => item.kind === 'order')
      .map((item) => [identityKey(text(item, 'agency'), text(item, 'number')), JSON.parse(text(item, 'doc')) as { parties?: unknown }]),
  );
}

/** Every read of a lot trace, as the use case takes them. */
export const traceStore = {
  readLotPartition,
  readUnlotted,
  readLotSeen,
  readPendingHeads,
  loadRecordHeads,
  findRecordHeads,
  loadOrderDocs,
};

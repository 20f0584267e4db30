/**
 * The lot index in the table (keys.ts: LOT#…, FAC#…#UNLOTTED#…, LOTSEEN#…), its writes: the
 * actions a derive step writes (entries of a record revision, lots first seen at a facility, the
 * head's pending-derive marker removed) and the receipt entry a receipt with a lot writes in its
 * own transaction. A trace's reads are in trace-store.ts.
 */

import type { LotEntry, LotEntryRef, LotReceipt, LotRef } from '../domain/lots.ts';
import { lotKey } from '../domain/lots.ts';
import type { LotIndexWrite } from '../domain/record-figures.ts';
import { config } from '../shared/config.ts';
import { batchGetItems } from './batch-get.ts';
import { text } from './item-fields.ts';
import { facilityPk, lotMadeSk, lotPk, lotReceiptSk, lotSeenPk, lotSeenSk, lotUseSk, recordSk, unlottedPk, unlottedSk } from './keys.ts';
import type { Item } from './paginate.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

type Identity = { agency: string; number: string };

/** Where an entry of a record lives. */
function entryKey(facilityId: string, record: Identity, e: LotEntryRef): Item {
  if (e.kind === 'unlotted') {
    return {
      [TABLE.partitionKey]: unlottedPk(facilityId, e.agency, e.number),
      [TABLE.sortKey]: unlottedSk(e.at ?? '', record.agency, record.number, e.line),
    };
  }
  return {
    [TABLE.partitionKey]: lotPk(facilityId, e.agency, e.number),
    [TABLE.sortKey]: (e.kind === 'use' ? lotUseSk : lotMadeSk)(record.agency, record.number, e.line),
  };
}

const KIND_OF = { use: 'lotUse', made: 'lotMade', unlotted: 'lotUnlotted' } as const;

function entryPut(facilityId: string, e: LotEntry): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: { ...entryKey(facilityId, e.data.record, e), kind: KIND_OF[e.kind], facilityId, line: JSON.stringify(e.data) },
    },
  };
}

/** The item saying a facility knows a lot (written once per lot and facility; rewriting it changes nothing). */
function seenPut(facilityId: string, lot: LotRef): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: lotSeenPk(lot.number),
        [TABLE.sortKey]: lotSeenSk(facilityId, lot.agency),
        kind: 'lotSeen',
        facilityId,
        agency: lot.agency,
        number: lot.number,
      },
    },
  };
}

/** The actions of a derive step's lot index write. */
export function lotIndexItems(facilityId: string, write: LotIndexWrite): TransactItem[] {
  const { tableName } = config();
  return [
    ...write.puts.map((e) => entryPut(facilityId, e)),
    ...write.deletes.map(({ record, entry }) => ({ Delete: { TableName: tableName, Key: entryKey(facilityId, record, entry) } })),
    ...write.seen.map((lot) => seenPut(facilityId, lot)),
  ];
}

/** How many actions a lot index write needs. */
export const lotIndexItemCount = (write: LotIndexWrite): number => write.puts.length + write.deletes.length + write.seen.length;

/**
 * The action removing a head's pending-derive marker, only while the head is still at the
 * revision the step counts (a correction stored meanwhile keeps its marker: the step loses and
 * reads again). `derivedRevision` tells the stream's recordDerive that this change needs nothing.
 */
export function pendingMarkerRemoval(facilityId: string, m: { agency: string; number: string; revision: number }): TransactItem {
  const { partitionKey, sortKey } = TABLE.recordsPendingDeriveIndex;
  return {
    Update: {
      TableName: config().tableName,
      Key: { [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: recordSk(m.agency, m.number) },
      UpdateExpression: 'REMOVE #pp, #ps SET #dr = :rev',
      ConditionExpression: m.revision === 1 ? 'attribute_not_exists(#rev) OR #rev = :rev' : '#rev = :rev',
      ExpressionAttributeNames: { '#pp': partitionKey, '#ps': sortKey, '#dr': 'derivedRevision', '#rev': 'revision' },
      ExpressionAttributeValues: { ':rev': m.revision },
    },
  };
}

/** Which of these lots the facility is known with already (strongly consistent), by lotKey. */
export async function loadSeenLots(facilityId: string, lots: readonly LotRef[]): Promise<Set<string>> {
  const items = await batchGetItems(
    lots.map((l) => ({ [TABLE.partitionKey]: lotSeenPk(l.number), [TABLE.sortKey]: lotSeenSk(facilityId, l.agency) })),
  );
  return new Set(items.map((i) => lotKey({ agency: text(i, 'agency'), number: text(i, 'number') })));
}

/**
 * The actions of a receipt naming a lot, for the receipt's own transaction: its entry in the
 * lot's partition, and the lot seen at the facility (an idempotent rewrite).
 */
export function lotReceiptItems(facilityId: string, lot: LotRef, receipt: LotReceipt): TransactItem[] {
  return [
    {
      Put: {
        TableName: config().tableName,
        Item: {
          [TABLE.partitionKey]: lotPk(facilityId, lot.agency, lot.number),
          [TABLE.sortKey]: lotReceiptSk(receipt.receiptId),
          kind: 'lotReceipt',
          facilityId,
          receipt: JSON.stringify(receipt),
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      },
    },
    seenPut(facilityId, lot),
  ];
}

/** Actions a receipt with a lot adds to its transaction. */
export const ITEMS_PER_LOT_RECEIPT = 2;

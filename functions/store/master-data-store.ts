/**
 * Components, recipes and purchase orders in the table: one item per document in the kind's
 * own partition of the facility (FAC#{f}#COMP, #RECIPE, #PO), in the kind's change stream (the changes index) so that the same poll
 * as work orders serves them.
 */
import type { MasterDocument, MasterKind, MasterState, MasterWrite } from '../domain/master-data.ts';
import { isoMs } from '../domain/time.ts';
import { config } from '../shared/config.ts';
import { loadByIdentity } from './batch-get.ts';
import { optionalText, text } from './item-fields.ts';
import { changePosition, changesPk, masterNumberPrefix, masterPk, masterSk, type Stream } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import { type TransactItem, transactWrite } from './transact.ts';
import { versionCondition, versionedFields, versionedFromItem } from './versioned-item.ts';

type Item = Record<string, unknown>;

/** The change stream each kind is served from. */
export const MASTER_STREAM: Readonly<Record<MasterKind, Stream>> = {
  component: 'COMPONENTS',
  recipe: 'RECIPES',
  purchaseOrder: 'PURCHASE_ORDERS',
};

/** The stored item of a master-data document (the document kept as its JSON text). */
export function masterItem(kind: MasterKind, state: MasterState, version: number): Item {
  const modifiedAt = isoMs(state.modifiedAt);
  return {
    [TABLE.partitionKey]: masterPk(state.facilityId, kind),
    [TABLE.sortKey]: masterSk(state.agency, state.number),
    [TABLE.changesIndex.partitionKey]: changesPk(state.facilityId, MASTER_STREAM[kind]),
    [TABLE.changesIndex.sortKey]: changePosition(modifiedAt, state.agency, state.number),
    kind,
    ...versionedFields(state, version),
    contentHash: state.contentHash,
    ...(state.status === undefined ? {} : { status: state.status }),
    ...(state.received === undefined ? {} : { received: state.received }),
  };
}

export function masterFromItem(item: Item): MasterState {
  const status = optionalText(item, 'status');
  const received = optionalText(item, 'received');
  return {
    ...versionedFromItem<MasterDocument>(item),
    contentHash: text(item, 'contentHash'),
    ...(status === undefined ? {} : { status }),
    ...(received === undefined ? {} : { received }),
  };
}

/** The stored documents of a kind among these identities (strongly consistent), by identityKey. */
export function loadMasters(
  kind: MasterKind,
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
): Promise<Map<string, MasterState>> {
  return loadByIdentity(masterPk(facilityId, kind), identities, masterSk, masterFromItem);
}

/** The transaction action writing a document's new state, conditioned on the version read. */
export function masterPut(kind: MasterKind, write: MasterWrite): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: masterItem(kind, write.next, write.expectedVersion + 1),
      ...versionCondition(write.expectedVersion),
    },
  };
}

/** Writes a batch of one kind in one transaction: every document changes or none does. */
export async function writeMasters(kind: MasterKind, writes: readonly MasterWrite[]): Promise<void> {
  await transactWrite(writes.map((w) => masterPut(kind, w)));
}

/**
 * Documents of a kind: those with this number (and agency, when given), or every one of the
 * facility. Strongly consistent (the base table, not an index).
 */
export async function listMasters(kind: MasterKind, facilityId: string, number?: string, agency?: string): Promise<MasterState[]> {
  const out = await queryAll(
    {
      ...(number === undefined
        ? {
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
            ExpressionAttributeValues: { ':pk': masterPk(facilityId, kind) },
          }
        : {
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
            ExpressionAttributeValues: { ':pk': masterPk(facilityId, kind), ':prefix': masterNumberPrefix(number) },
          }),
      ConsistentRead: true,
    },
    masterFromItem,
  );
  return agency === undefined ? out : out.filter((m) => m.agency === agency);
}

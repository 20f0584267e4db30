/**
 * What every versioned document item holds (work orders and master data): its identity, the
 * document as JSON text, the ERP's revision, the optimistic lock's version and the hub's times.
 * One writer and one reader of those fields, and the lock's write condition, for every store
 * that keeps such documents.
 */
import { isoMs } from '../domain/time.ts';
import { num, text } from './item-fields.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

/** The fields a versioned document's state has in common (times in epoch ms). */
export interface VersionedDocument<D> {
  facilityId: string;
  agency: string;
  number: string;
  doc: D;
  revision: number;
  version: number;
  createdAt: number;
  modifiedAt: number;
}

/** The item fields of a versioned document, at this version (the document kept as its JSON text). */
export function versionedFields<D>(state: Omit<VersionedDocument<D>, 'version'>, version: number): Item {
  const doc = JSON.stringify(state.doc);
  return {
    facilityId: state.facilityId,
    agency: state.agency,
    number: state.number,
    doc,
    size: Buffer.byteLength(doc),
    revision: state.revision,
    version,
    createdAt: isoMs(state.createdAt),
    modifiedAt: isoMs(state.modifiedAt),
  };
}

/** The common state of a stored versioned document (the document parsed, times as epoch ms). */
export function versionedFromItem<D>(item: Item): VersionedDocument<D> {
  return {
    facilityId: text(item, 'facilityId'),
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    doc: JSON.parse(text(item, 'doc')) as D,
    revision: num(item, 'revision'),
    version: num(item, 'version'),
    createdAt: Date.parse(text(item, 'createdAt')),
    modifiedAt: Date.parse(text(item, 'modifiedAt')),
  };
}

/** The optimistic lock: a new item must not exist yet; an existing one must still have the version read. */
export function versionCondition(expectedVersion: number): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  if (expectedVersion === 0) {
    return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } };
  }
  return {
    ConditionExpression: '#v = :v',
    ExpressionAttributeNames: { '#v': 'version' },
    ExpressionAttributeValues: { ':v': expectedVersion },
  };
}

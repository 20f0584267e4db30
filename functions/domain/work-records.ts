/**
 * Work records (PCS → ERP): identity, safe retries, and what a record does to the order it
 * reports on. Pure: the store loads, this module decides, the store writes atomically.
 */
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { DispensingWorkRecord } from '../generated/documents.ts';
import type { DocumentRow, StoredDocumentRef } from './bills-of-lading.ts';
import { identityKey } from './documents.ts';
import { type ErrorItem, HubError } from './errors.ts';
import type { Extras } from './legacy-form.ts';
import type { OrderState, OrderStatus } from './work-orders.ts';

/** What a record may report: the standard's two, and the .NET library's `Cancelled`. */
export type ReportedStatus = 'inProgress' | 'complete' | 'cancelled';

/** A dispensing work record in canonical form (validated before it gets here; types from schemas/). */
export type WorkRecordDocument = DispensingWorkRecord;

/** What the hub keeps of a record besides the document itself. */
export interface RecordState {
  facilityId: string;
  agency: string;
  number: string;
  /** Identity of the content as submitted (inline bytes included): a retry must match it. */
  contentHash: string;
  orderAgency: string;
  orderNumber: string;
  orderMatched: boolean;
  receivedAt: number;
}

export interface RecordResult {
  index: number;
  workRecordNumber: string;
  agency: string;
  outcome: 'created' | 'unchanged';
  orderMatched: boolean;
}

export interface RecordBatchPlan {
  results: RecordResult[];
  /** Indexes of the documents to store as new records. */
  created: number[];
}

/** A record to create (never overwriting one: a racing twin loses), with the documents it lists. */
export interface NewRecord {
  state: RecordState;
  doc: WorkRecordDocument;
  /** What the canonical form cannot hold of the record as sent in the older form, served back in it. */
  extras?: Extras;
  documents: StoredDocumentRef[];
  /** The key that sent it (the record's history names it). */
  keyId?: string;
}

/** What a batch does to a document row: one made visible as stored (a new inline file, or an upload attached now), or one stored earlier that must still be. */
export type DocumentChange = { change: 'stored'; row: DocumentRow; wasPending: boolean } | { change: 'referenced'; documentId: string };

/**
 * Everything a batch of records writes, all or nothing: the records and their documents. What
 * they move (order status, consumption, stock) is derived from them afterwards, exactly once
 * per record revision (use-cases/derive-records.ts).
 */
export interface RecordBatchWrite {
  facilityId: string;
  records: readonly NewRecord[];
  /** At most one change per document. */
  documents: readonly DocumentChange[];
}

/**
 * How many of each a batch writes, and the most actions one of its records' figures need
 * (the store says whether that fits before any file is stored).
 */
export interface RecordBatchCounts {
  records: number;
  documents: number;
  /** The largest record's figures: consumption aggregate items and stock balances. */
  figures: { consumption: number; stock: number };
}

/**
 * Hash of a record's submitted content, its extras included (a record without any hashes as it
 * always has): key order and whitespace do not matter.
 */
export function recordContentHash(record: WorkRecordDocument, extras?: Extras): string {
  return createHash('sha256')
    .update(stringify(extras?.length ? { document: record, extras } : record) ?? '')
    .digest('hex');
}

/**
 * The order's status after a record reports `reported`. Work only moves forward: a
 * complete order stays complete, and a cancelled one stays cancelled (the record is still
 * kept: it says what the plant did). A record reporting `cancelled` (the plant stopped the
 * work) leaves the order's status as it is: cancelling an order is the ERP's decision, and
 * the ERP reads the record in its records poll and may cancel the order itself.
 */
export function statusAfterRecord(current: OrderStatus, reported: ReportedStatus): OrderStatus {
  if (current === 'cancelled' || current === 'complete' || reported === 'cancelled') return current;
  return reported === 'complete' ? 'complete' : 'inProgress';
}

/**
 * Decides a batch of records: new ones are created, identical resubmissions are
 * unchanged, a known identity with other content is a conflict (the whole batch fails).
 * `existing` holds stored records by identityKey, `orders` the orders they name by identityKey.
 */
export function planRecordBatch(
  records: readonly WorkRecordDocument[],
  hashes: readonly string[],
  existing: ReadonlyMap<string, RecordState>,
  orders: ReadonlyMap<string, OrderState>,
  _now: number,
  pointer = '/dispensingWorkRecord',
): RecordBatchPlan {
  const results: RecordResult[] = [];
  const created: number[] = [];
  const seen = new Map<string, { hash: string; orderMatched: boolean }>();
  const errors: ErrorItem[] = [];

  records.forEach((record, index) => {
    const { agency, number } = record.workRecordIdentifier;
    const id = identityKey(agency, number);
    const hash = hashes[index]!;
    const known =
      seen.get(id) ??
      (existing.has(id) ? { hash: existing.get(id)!.contentHash, orderMatched: existing.get(id)!.orderMatched } : undefined);
    if (known) {
      if (known.hash === hash) {
        results.push({ index, workRecordNumber: number, agency, outcome: 'unchanged', orderMatched: known.orderMatched });
      } else {
        errors.push({
          path: `${pointer}/${index}`,
          message: `work record ${number} (${agency}) exists with other content; a record cannot be changed once submitted`,
        });
      }
      return;
    }
    // What the record moves (the order's status, an early report) is derived once it is stored (use-cases/derive-records.ts).
    const order = orders.get(identityKey(record.workOrderIdentifier.agency, record.workOrderIdentifier.number));
    seen.set(id, { hash, orderMatched: order !== undefined });
    created.push(index);
    results.push({ index, workRecordNumber: number, agency, outcome: 'created', orderMatched: order !== undefined });
  });

  if (errors.length > 0) {
    throw new HubError(
      'conflict',
      errors.length === 1
        ? `${errors[0]!.message}; nothing in this request was applied.`
        : `${errors.length} records conflict with records already submitted; nothing in this request was applied.`,
      errors,
    );
  }
  return { results, created };
}

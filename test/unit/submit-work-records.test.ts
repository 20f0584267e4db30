/**
 * The record-submission use case over an in-memory store: what it writes, in which order, and
 * what it leaves behind when S3 or the table fails. No DynamoDB, no S3: fakes of the store
 * functions it is given (functions/use-cases/submit-work-records.ts), recording every call.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { isDocumentSk } from '../../functions/store/keys.ts';
import { type TransactItem, transactItemKey } from '../../functions/store/transact.ts';
import { type RecordSubmissionStore, submitWorkRecords } from '../../functions/use-cases/submit-work-records.ts';
import { pdf, sha256 } from '../support/files.ts';
import { inlineDocument, workRecord } from '../support/records.ts';

const FACILITY = 'PLANT-UC';
const NOW = Date.parse('2026-12-02T08:00:00.000Z');

interface Fake {
  store: RecordSubmissionStore;
  objects: Map<string, { bytes: Uint8Array; sha256: string }>;
  transactions: TransactItem[][];
  deleted: string[];
}

/** A store whose S3 is a map and whose table accepts (or, failing, refuses) every transaction. */
function fakeStore(fail: { put?: boolean; transact?: boolean } = {}): Fake {
  const objects = new Map<string, { bytes: Uint8Array; sha256: string }>();
  const transactions: TransactItem[][] = [];
  const deleted: string[] = [];
  const store: RecordSubmissionStore = {
    getDocumentRow: async () => null,
    checkUpload: async () => ({ ok: false, reason: 'has not been uploaded' }),
    attachUploadObject: async () => undefined,
    async putDocumentObject(facilityId, documentId, bytes, _contentType, hash) {
      if (fail.put) throw Object.assign(new Error('S3 is down'), { name: 'ServiceUnavailable' });
      objects.set(`documents/${facilityId}/${documentId}`, { bytes, sha256: hash });
    },
    async deleteObjectsQuietly(keys) {
      for (const key of keys) {
        deleted.push(key);
        objects.delete(key);
      }
    },
    loadRecords: async () => new Map(),
    loadOrders: async () => new Map(),
    async transactWrite(items) {
      if (fail.transact) throw Object.assign(new Error('table refused the write'), { name: 'InternalServerError' });
      transactions.push(items);
    },
  };
  return { store, objects, transactions, deleted };
}

const recordWithFile = (number: string, bytes: Uint8Array) =>
  workRecord(number, { documents: [inlineDocument(bytes, 'pdf')] }) as unknown as WorkRecordDocument;

const submit = (fake: Fake, records: WorkRecordDocument[]) =>
  submitWorkRecords(fake.store, { facilityId: FACILITY, keyId: 'k1', records }, () => NOW);

describe('submitting work records (use case)', () => {
  test('a record with an inline Bill of Lading: its file is stored, then one transaction writes the record and the document row', async () => {
    // Prepare
    const fake = fakeStore();
    const bytes = pdf('use case');

    // Act
    const { results, created } = await submit(fake, [recordWithFile('WR-UC-1', bytes)]);

    // Assess
    assert.equal(created, 1);
    assert.deepEqual(
      results.map((r) => [r.workRecordNumber, r.outcome, r.orderMatched]),
      [['WR-UC-1', 'created', false]],
    );
    assert.equal(fake.objects.size, 1);
    const [key, object] = [...fake.objects][0]!;
    assert.match(key, /^documents\/PLANT-UC\/doc_[0-9a-f]{32}$/);
    assert.equal(object.sha256, sha256(bytes));
    assert.equal(fake.transactions.length, 1);
    const keys = fake.transactions[0]!.map(transactItemKey);
    assert.equal(keys.filter((k) => k && isDocumentSk(k.sk)).length, 1, 'one document row');
    assert.equal(keys.filter((k) => k?.sk.startsWith('RECORD#')).length, 1, 'one record');
    assert.deepEqual(fake.deleted, []);
  });

  test('the table failing after the file was stored: the error reaches the caller and the file is deleted', async () => {
    // Prepare
    const fake = fakeStore({ transact: true });

    // Act
    const failure = submit(fake, [recordWithFile('WR-UC-2', pdf('after S3'))]);

    // Assess
    await assert.rejects(failure, /table refused the write/);
    assert.equal(fake.objects.size, 0, 'nothing of the attempt is left in S3');
    assert.equal(fake.deleted.length, 1);
    assert.deepEqual(fake.transactions, []);
  });

  test('S3 failing before the write: the error reaches the caller and the table is never written', async () => {
    // Prepare
    const fake = fakeStore({ put: true });

    // Act
    const failure = submit(fake, [recordWithFile('WR-UC-3', pdf('before the write'))]);

    // Assess
    await assert.rejects(failure, /S3 is down/);
    assert.deepEqual(fake.transactions, []);
    assert.equal(fake.objects.size, 0);
  });

  test('an identical resubmission of an existing record writes nothing and stores no file', async () => {
    // Prepare: the first submission's stored state answers the second's read.
    const first = fakeStore();
    const record = recordWithFile('WR-UC-4', pdf('twice'));
    await submit(first, [record]);
    const recordPut = first.transactions[0]!.find((i) => transactItemKey(i)?.sk.startsWith('RECORD#'))!;
    const { recordFromItem } = await import('../../functions/store/record-store.ts');
    const stored = recordFromItem(recordPut.Put!.Item as never);
    const again = fakeStore();
    again.store.loadRecords = async () => new Map([[identityKey(stored.agency, stored.number), stored]]);

    // Act
    const { results, created } = await submit(again, [record]);

    // Assess
    assert.equal(created, 0);
    assert.equal(results[0]!.outcome, 'unchanged');
    assert.ok(
      again.transactions.every((t) => t.length === 0),
      'no item is written',
    );
    assert.equal(again.objects.size, 0);
  });
});

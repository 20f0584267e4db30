/**
 * The record-submission use case over the in-memory record store (test/unit/helpers/memory-record-store.ts):
 * what it writes, and what it leaves behind when S3 or the table fails, when it loses a race, when
 * a batch cannot be one atomic write, when storage throttles. No DynamoDB, no S3.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import { stockKeyId } from '../../functions/domain/stock.ts';
import { type RecordBatchWrite, recordContentHash, type WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { submitWorkRecords } from '../../functions/use-cases/submit-work-records.ts';
import { pdf, sha256 } from '../support/files.ts';
import { inlineDocument, referencedDocument, workRecord } from '../support/records.ts';
import { etagOf, memoryRecordStore } from './helpers/memory-record-store.ts';

const FACILITY = 'PLANT-UC';
const NOW = Date.parse('2026-12-02T08:00:00.000Z');

type Store = ReturnType<typeof memoryRecordStore>;

const recordWithFile = (number: string, bytes: Uint8Array) =>
  workRecord(number, { documents: [inlineDocument(bytes, 'pdf')] }) as unknown as WorkRecordDocument;

const submit = (store: Store, records: WorkRecordDocument[]) =>
  submitWorkRecords(store, { facilityId: FACILITY, keyId: 'k1', records }, () => NOW);

/** True for a batch that writes nothing. */
const isEmpty = (b: RecordBatchWrite) => [b.records, b.documents].every((part) => part.length === 0);

const failure = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('submitting work records (use case)', () => {
  test('a record with an inline Bill of Lading: its file is stored, then one atomic write has the record and the document row', async () => {
    // Prepare
    const store = memoryRecordStore();
    const bytes = pdf('use case');

    // Act
    const { results, created } = await submit(store, [recordWithFile('WR-UC-1', bytes)]);

    // Assess
    assert.equal(created, 1);
    assert.deepEqual(
      results.map((r) => [r.workRecordNumber, r.outcome, r.orderMatched]),
      [['WR-UC-1', 'created', false]],
    );
    assert.equal(store.objects.size, 1);
    const [key, object] = [...store.objects][0]!;
    assert.match(key, /^documents\/PLANT-UC\/doc_[0-9a-f]{32}$/);
    assert.equal(object.sha256, sha256(bytes));
    assert.equal(store.saves.length, 1);
    const batch = store.saves[0]!;
    assert.equal(batch.documents.filter((d) => d.change === 'stored').length, 1, 'one document row');
    assert.equal(batch.records.length, 1, 'one record');
    assert.deepEqual(store.deleted, []);
  });

  test('the table failing after the file was stored: the error reaches the caller and the file is deleted', async () => {
    // Prepare
    const store = memoryRecordStore();
    store.hooks.failNext = failure('InternalServerError', 'table refused the write');

    // Act
    const attempt = submit(store, [recordWithFile('WR-UC-2', pdf('after S3'))]);

    // Assess
    await assert.rejects(attempt, /table refused the write/);
    assert.equal(store.objects.size, 0, 'nothing of the attempt is left in S3');
    assert.equal(store.deleted.length, 1);
    assert.deepEqual(store.saves, []);
  });

  test('S3 failing before the write: the error reaches the caller and the table is never written', async () => {
    // Prepare
    const store = memoryRecordStore();
    store.failPut = failure('ServiceUnavailable', 'S3 is down');

    // Act
    const attempt = submit(store, [recordWithFile('WR-UC-3', pdf('before the write'))]);

    // Assess
    await assert.rejects(attempt, /S3 is down/);
    assert.deepEqual(store.saves, []);
    assert.equal(store.objects.size, 0);
  });

  test('an identical resubmission of an existing record writes nothing and stores no file', async () => {
    // Prepare: the first submission's stored state answers the second's read.
    const first = memoryRecordStore();
    const record = recordWithFile('WR-UC-4', pdf('twice'));
    await submit(first, [record]);
    const again = memoryRecordStore();
    for (const [id, stored] of first.records) again.records.set(id, stored);

    // Act
    const { results, created } = await submit(again, [record]);

    // Assess
    assert.equal(created, 0);
    assert.equal(results[0]!.outcome, 'unchanged');
    assert.ok(again.saves.every(isEmpty), 'no item is written');
    assert.equal(again.objects.size, 0);
  });

  test('an upload replaced between its check and its copy is refused with 409 naming it, and nothing is written', async () => {
    // Prepare: a pending direct upload of a PDF, which the uploader re-posts (same presigned POST,
    // same size, HTML bytes) right after the hub has checked it.
    const { store, documentId } = pendingUploadStore(pdf('the checked one'));
    const html = Buffer.from(`%PDF-<html><script>alert(1)</script></html>`.padEnd(store.uploads.get(documentId)!.bytes.length, ' '));
    const check = store.checkUpload;
    store.checkUpload = async (...args) => {
      const result = await check(...args);
      store.uploads.set(documentId, { bytes: html, etag: etagOf(html) });
      return result;
    };
    const record = workRecord('WR-UC-RACE', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const attempt = submit(store, [record]);

    // Assess
    await assert.rejects(attempt, (e: unknown) => {
      assert.ok(e instanceof HubError, String(e));
      assert.equal(e.kind, 'conflict');
      assert.match(e.message, new RegExp(documentId));
      assert.deepEqual(
        e.errors?.map((x) => x.path),
        ['/dispensingWorkRecord/0/associatedDocument/0/identifier'],
      );
      return true;
    });
    assert.equal(store.copies.length, 1, 'one copy was tried');
    assert.deepEqual(store.saves, [], 'no row is written');
    assert.deepEqual([...store.objects.keys()], [], 'nothing is stored under documents/');
  });

  test('an upload unchanged since its check is copied pinned to what was checked', async () => {
    // Prepare
    const bytes = pdf('unchanged');
    const { store, documentId } = pendingUploadStore(bytes);
    const record = workRecord('WR-UC-PINNED', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const { created } = await submit(store, [record]);

    // Assess
    assert.equal(created, 1);
    assert.deepEqual(store.copies, [{ documentId, etag: etagOf(bytes) }]);
    assert.equal(store.objects.get(`documents/${FACILITY}/${documentId}`)?.sha256, sha256(bytes));
    assert.equal(store.saves.length, 1);
    assert.equal(store.rows.get(documentId)?.status, 'stored');
    assert.deepEqual(store.deleted, [`uploads/${FACILITY}/${documentId}`], 'the upload copy is dropped once attached');
  });

  test("another key's pending upload is refused as an unknown one, and never checked or copied", async () => {
    // Prepare: the upload was asked for by key k1.
    const { store, documentId } = pendingUploadStore(pdf('asked by k1'));
    let checks = 0;
    const check = store.checkUpload;
    store.checkUpload = async (...args) => {
      checks++;
      return check(...args);
    };
    const record = workRecord('WR-UC-OTHER-KEY', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const attempt = submitWorkRecords(store, { facilityId: FACILITY, keyId: 'k2', records: [record] }, () => NOW);

    // Assess
    await assert.rejects(attempt, (e: unknown) => {
      assert.ok(e instanceof HubError, String(e));
      assert.equal(e.kind, 'invalid-input');
      assert.deepEqual(e.errors, [
        {
          path: '/dispensingWorkRecord/0/associatedDocument/0/identifier',
          message: `document ${documentId} is not known at this facility`,
        },
      ]);
      return true;
    });
    assert.equal(checks, 0, 'its bytes are not even read');
    assert.deepEqual(store.copies, []);
    assert.deepEqual(store.saves, []);
  });
});

/** A store with one pending direct upload of these bytes, asked for by key k1. */
function pendingUploadStore(bytes: Buffer) {
  const store = memoryRecordStore();
  const documentId = `doc_${'c'.repeat(32)}`;
  store.addPendingUpload(
    {
      facilityId: FACILITY,
      documentId,
      fileName: 'bol.pdf',
      contentType: 'application/pdf',
      extension: 'pdf',
      createdAt: new Date(NOW).toISOString(),
      keyId: 'k1',
    },
    bytes,
  );
  return { store, documentId };
}

describe('derived figures after the records transaction', () => {
  // The consumption aggregates, named by what they count.
  const aggregateKeys = (store: Store) =>
    store.derived.saves.flatMap((w) => w.consumption.map((d) => `${d.kind}|${d.level}|${d.period}|${d.hash}`));

  test('50 records with two products: the records in one atomic write, each aggregate item counted by the derive engine', async () => {
    const store = memoryRecordStore();
    const batch = Array.from(
      { length: 50 },
      (_, i) => workRecord(`WR-AGG-${i}`, { order: `WO-${i % 5}`, actual: [2, 1] }) as unknown as WorkRecordDocument,
    );

    await submit(store, batch);

    assert.equal(store.saves.length, 1);
    assert.equal(store.saves[0]!.records.length, 50);
    // Two products (one month) at four levels and five orders at three: 23 aggregate items.
    assert.equal(new Set(aggregateKeys(store)).size, 23);
    assert.equal(store.derived.derived.size, 50, 'every record counted');
    assert.equal(store.derived.total('product', 'T', /^q$/), '150');
    assert.equal(store.derived.total('product', 'T', /^n$/), '100');
  });

  test('a record already stored adds nothing: a retry cannot count twice', async () => {
    const store = memoryRecordStore();
    const record = workRecord('WR-AGG-1') as unknown as WorkRecordDocument;
    await submit(store, [record]);
    const derivedWrites = store.derived.saves.length;

    const again = await submit(store, [record]);

    assert.equal(again.created, 0);
    assert.equal(store.derived.saves.length, derivedWrites, 'no second increment');
  });

  test('the derive engine failing does not fail the request: the records are stored, their figures left to the stream', async () => {
    const store = memoryRecordStore();
    store.derived.hooks.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');

    const { created } = await submit(store, [workRecord('WR-DERIVE-FAILS') as unknown as WorkRecordDocument]);

    assert.equal(created, 1);
    assert.equal(store.records.size, 1);
    assert.equal(store.derived.derived.size, 0, 'not counted yet');
  });
});

describe('races and storage failures', () => {
  test('a write lost to a concurrent change is read again and succeeds; the lost attempt leaves no file', async () => {
    // Prepare: the first write loses a race (a conditional check failed).
    const store = memoryRecordStore();
    store.hooks.loseNext = 1;

    // Act
    const { created } = await submit(store, [recordWithFile('WR-RACE-1', pdf('retried'))]);

    // Assess
    assert.equal(created, 1);
    assert.equal(store.records.size, 1);
    assert.equal(store.saves.length, 1);
    assert.equal(store.objects.size, 1, "only the successful attempt's file is kept");
    const [documentId] = store.saves[0]!.records[0]!.documents.map((d) => d.documentId);
    assert.ok(store.objects.has(`documents/${FACILITY}/${documentId}`));
  });

  test('a racing twin stores the same record first: the retry answers unchanged and keeps no file of its own', async () => {
    // Prepare: between this request's read and its write, an identical submission is stored.
    const store = memoryRecordStore();
    const record = workRecord('WR-TWIN') as unknown as WorkRecordDocument;
    store.hooks.race = () => {
      const { agency, number } = record.workRecordIdentifier;
      store.records.set(identityKey(agency, number), {
        state: {
          facilityId: FACILITY,
          agency,
          number,
          contentHash: recordContentHash(record),
          orderAgency: record.workOrderIdentifier.agency,
          orderNumber: record.workOrderIdentifier.number,
          orderMatched: false,
          receivedAt: NOW,
        },
        doc: record,
        documents: [],
      });
    };

    // Act
    const { results, created } = await submit(store, [record]);

    // Assess
    assert.equal(created, 0);
    assert.equal(results[0]!.outcome, 'unchanged');
    assert.ok(store.saves.every(isEmpty));
  });

  test("stock moved by a racing receipt between the engine's read and write: the retry dispenses from the new balance", async () => {
    // Prepare: the record dispenses from two balances; one of them is moved meanwhile.
    const store = memoryRecordStore();
    const record = workRecord('WR-STOCK-RACE', { actual: [100, 50] }) as unknown as WorkRecordDocument;
    const first = await submit(store, [workRecord('WR-STOCK-0', { actual: [1, 1] }) as unknown as WorkRecordDocument]);
    assert.equal(first.created, 1);
    const [balanceId, balance] = [...store.stock.balances][0]!;
    store.derived.hooks.race = () => {
      // A receipt of 1000 lands on the first balance, at its next version.
      store.stock.balances.set(balanceId, {
        ...balance,
        sums: Object.fromEntries(Object.entries(balance.sums).map(([uom]) => [uom, '1000'])),
        version: balance.version + 1,
      });
    };

    // Act
    const { created } = await submit(store, [record]);

    // Assess: written once, on top of the racing receipt.
    assert.equal(created, 1);
    const after = store.stock.balances.get(balanceId)!;
    assert.equal(after.version, balance.version + 2);
    assert.deepEqual(Object.values(after.sums), ['900']);
    assert.equal(stockKeyId(after.key), balanceId);
  });

  test('a batch that keeps losing races gives up: kept-changing, nothing written, no file left', async () => {
    // Prepare
    const store = memoryRecordStore();
    store.hooks.loseNext = Number.POSITIVE_INFINITY;

    // Act
    const attempt = submit(store, [recordWithFile('WR-KEPT', pdf('kept changing'))]);

    // Assess
    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing');
    assert.equal(store.records.size, 0);
    assert.deepEqual(store.saves, []);
    assert.equal(store.objects.size, 0);
  });

  test('a batch too large for one atomic write: too-many-writes before any file is stored, nothing applied', async () => {
    // Prepare: 60 records with a file each (60 records, 60 document rows, aggregates and stock: over 100 actions).
    const store = memoryRecordStore();
    const batch = Array.from({ length: 60 }, (_, i) => recordWithFile(`WR-BIG-${i}`, pdf(`big ${i}`)));

    // Act
    const attempt = submit(store, batch);

    // Assess
    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'too-many-writes');
    assert.equal(store.objects.size, 0, 'no file was stored');
    assert.deepEqual(store.saves, []);
    assert.equal(store.records.size, 0);
    assert.equal(store.stock.balances.size, 0);
  });

  test('storage throttling after the SDK retries passes through as throttled; nothing written, no file left', async () => {
    // Prepare
    const store = memoryRecordStore();
    store.hooks.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');

    // Act
    const attempt = submit(store, [recordWithFile('WR-THROTTLED', pdf('throttled'))]);

    // Assess
    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'throttled');
    assert.deepEqual(store.saves, []);
    assert.equal(store.records.size, 0);
    assert.equal(store.objects.size, 0);
  });
});

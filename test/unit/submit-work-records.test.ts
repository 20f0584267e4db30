/**
 * The record-submission use case over an in-memory store: what it writes, in which order, and
 * what it leaves behind when S3 or the table fails. No DynamoDB, no S3: fakes of the store
 * functions it is given (functions/use-cases/submit-work-records.ts), recording every call.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { HubError } from '../../functions/domain/errors.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { isDocumentSk } from '../../functions/store/keys.ts';
import { type TransactItem, transactItemKey } from '../../functions/store/transact.ts';
import { type RecordSubmissionStore, submitWorkRecords } from '../../functions/use-cases/submit-work-records.ts';
import { pdf, sha256 } from '../support/files.ts';
import { inlineDocument, referencedDocument, workRecord } from '../support/records.ts';

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
    attachUploadObject: async () => 'attached',
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

  test('an upload replaced between its check and its copy is refused with 409 naming it, and nothing is written', async () => {
    // Prepare: a pending direct upload of a PDF, which the uploader re-posts (same presigned POST,
    // same size, HTML bytes) right after the hub has checked it.
    const { fake, documentId, uploads, copies } = pendingUploadStore(pdf('the checked one'));
    const html = Buffer.from(`%PDF-<html><script>alert(1)</script></html>`.padEnd(uploads.get(documentId)!.bytes.length, ' '));
    fake.store.checkUpload = (
      (check) =>
      async (...args: Parameters<RecordSubmissionStore['checkUpload']>) => {
        const result = await check(...args);
        uploads.set(documentId, { bytes: html, etag: md5(html) });
        return result;
      }
    )(fake.store.checkUpload);
    const record = workRecord('WR-UC-RACE', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const failure = submit(fake, [record]);

    // Assess
    await assert.rejects(failure, (e: unknown) => {
      assert.ok(e instanceof HubError, String(e));
      assert.equal(e.kind, 'conflict');
      assert.match(e.message, new RegExp(documentId));
      assert.deepEqual(
        e.errors?.map((x) => x.path),
        ['/dispensingWorkRecord/0/associatedDocument/0/identifier'],
      );
      return true;
    });
    assert.equal(copies.length, 1, 'one copy was tried');
    assert.deepEqual(fake.transactions, [], 'no row is written');
    assert.deepEqual([...fake.objects.keys()], [], 'nothing is stored under documents/');
  });

  test('an upload unchanged since its check is copied pinned to what was checked', async () => {
    // Prepare
    const bytes = pdf('unchanged');
    const { fake, documentId, copies } = pendingUploadStore(bytes);
    const record = workRecord('WR-UC-PINNED', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const { created } = await submit(fake, [record]);

    // Assess
    assert.equal(created, 1);
    assert.deepEqual(copies, [{ documentId, etag: md5(bytes) }]);
    assert.equal(fake.objects.get(`documents/${FACILITY}/${documentId}`)?.sha256, sha256(bytes));
    assert.equal(fake.transactions.length, 1);
  });

  test("another key's pending upload is refused as an unknown one, and never checked or copied", async () => {
    // Prepare: the upload was asked for by key k1.
    const { fake, documentId, copies } = pendingUploadStore(pdf('asked by k1'));
    let checks = 0;
    const check = fake.store.checkUpload;
    fake.store.checkUpload = async (...args) => {
      checks++;
      return check(...args);
    };
    const record = workRecord('WR-UC-OTHER-KEY', { documents: [referencedDocument(documentId)] }) as unknown as WorkRecordDocument;

    // Act
    const failure = submitWorkRecords(fake.store, { facilityId: FACILITY, keyId: 'k2', records: [record] }, () => NOW);

    // Assess
    await assert.rejects(failure, (e: unknown) => {
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
    assert.deepEqual(copies, []);
    assert.deepEqual(fake.transactions, []);
  });
});

const md5 = (bytes: Uint8Array) => `"${createHash('md5').update(bytes).digest('hex')}"`;

/**
 * A store with one pending direct upload whose object store behaves as S3 without versions: a
 * copy takes the object as it is at copy time, unless the copy names the ETag it must have
 * (CopySourceIfMatch), which fails when the object changed.
 */
function pendingUploadStore(bytes: Buffer) {
  const fake = fakeStore();
  const documentId = `doc_${'c'.repeat(32)}`;
  const uploads = new Map([[documentId, { bytes: bytes as Uint8Array, etag: md5(bytes) }]]);
  const copies: { documentId: string; etag: string | undefined }[] = [];
  fake.store.getDocumentRow = async (facilityId, id) =>
    id === documentId
      ? {
          facilityId,
          documentId,
          status: 'pending',
          fileName: 'bol.pdf',
          contentType: 'application/pdf',
          extension: 'pdf',
          size: bytes.length,
          createdAt: new Date(NOW).toISOString(),
          keyId: 'k1',
        }
      : null;
  fake.store.checkUpload = async (_facilityId, id, declaredSize, accept) => {
    const object = uploads.get(id);
    if (!object) return { ok: false, reason: 'has not been uploaded' };
    if (object.bytes.length !== declaredSize) return { ok: false, reason: 'has another size' };
    if (!accept(object.bytes.subarray(0, 16))) return { ok: false, reason: 'is of another type' };
    return { ok: true, size: object.bytes.length, sha256: sha256(object.bytes), version: { etag: object.etag } };
  };
  fake.store.attachUploadObject = (async (facilityId: string, id: string, hash: string, version?: { etag: string }) => {
    copies.push({ documentId: id, etag: version?.etag });
    const object = uploads.get(id)!;
    if (version && version.etag !== object.etag) return 'changed';
    fake.objects.set(`documents/${facilityId}/${id}`, { bytes: object.bytes, sha256: hash });
    return 'attached';
  }) as RecordSubmissionStore['attachUploadObject'];
  return { fake, documentId, uploads, copies };
}

describe('consumption aggregates in the records transaction', () => {
  // The consumption aggregates (a record of an order the hub does not know also updates that order's early report).
  const updates = (items: TransactItem[]) => items.filter((i) => String(i.Update?.Key?.pk ?? '').endsWith('#CONSUMPTION'));

  test('50 records with two products: one Update per aggregate item, in the same transaction as the records', async () => {
    const fake = fakeStore();
    const batch = Array.from(
      { length: 50 },
      (_, i) => workRecord(`WR-AGG-${i}`, { order: `WO-${i % 5}` }) as unknown as WorkRecordDocument,
    );

    await submit(fake, batch);

    assert.equal(fake.transactions.length, 1);
    const items = fake.transactions[0]!;
    const keys = updates(items).map((i) => `${i.Update!.Key!.pk}|${i.Update!.Key!.sk}`);
    // Two products (one month) at three levels and five orders at two: sixteen aggregate items, each once.
    assert.equal(keys.length, 16);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(items.filter((i) => i.Put?.Item?.kind === 'record').length, 50);
  });

  test('a record already stored adds nothing: a retry cannot count twice', async () => {
    const fake = fakeStore();
    const record = workRecord('WR-AGG-1') as unknown as WorkRecordDocument;
    await submit(fake, [record]);
    const stored = fake.transactions[0]!.find((i) => i.Put?.Item?.kind === 'record')!.Put!.Item!;
    fake.store.loadRecords = async () =>
      new Map([[identityKey('AssignedBySender', 'WR-AGG-1'), { ...stored, receivedAt: NOW, contentHash: stored.contentHash } as never]]);

    const again = await submit(fake, [record]);

    assert.equal(again.created, 0);
    assert.deepEqual(fake.transactions.slice(1).flatMap(updates), [], 'no second increment');
  });
});

/**
 * Bills of Lading end to end over real HTTP: inline (base64) and by direct upload (a
 * presigned POST to the S3 emulator), checked, stored, served by reference and downloaded
 * through a 302 to a presigned GET; and the failure orders that must leave nothing
 * dangling in the bucket. One stack for the file (plus one broken on purpose); each test
 * uses a facility of its own.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, test } from 'vitest';
import { validateWorkRecord } from '../../functions/generated/validators.cjs';
import { type Bucket, bucketOf, download, getNoRedirect, postUpload } from '../support/bucket.ts';
import { orders, workOrder } from '../support/documents.ts';
import { CONTENT_TYPES, type FileKind, fileOfSize, makeFile, pdf, png, sha256 } from '../support/files.ts';
import { client, startStack } from '../support/local-stack.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { DOCUMENT_ID, HUB_AGENCY, inlineDocument, records, referencedDocument, workRecord } from '../support/records.ts';
import { facilityNames, type KeyedClient, keyed, type SharedStack, settled, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
let bucket: Bucket;
let erp: KeyedClient;
let pcs: KeyedClient;
/** Keys of a facility no test uses for documents. */
let otherErpKey: string;
let otherPcsKey: string;
const FACILITIES = 30;
const names = facilityNames('D');
/** A facility of its own for each test (the PCS key covers the first FACILITIES of them). */
const facility = names.next;
const OTHER_FACILITY = `D-${process.pid}-other`;
const MiB = 1024 * 1024;

beforeAll(async () => {
  stack = sharedStack();
  bucket = bucketOf(stack);
  [erp, pcs, otherErpKey, otherPcsKey] = await Promise.all([
    keyed(stack, 'erp', ['*'], ['--name', 'documents ERP']),
    keyed(stack, 'pcs', names.first(FACILITIES), ['--name', 'documents PCS']),
    stack.createKey('erp', [OTHER_FACILITY]),
    stack.createKey('pcs', [OTHER_FACILITY]),
  ]);
});

const ordersPath = (f: string) => `/facility/${f}/dispensingWorkorders`;
const recordsPath = (f: string) => `/facility/${f}/dispensingWorkRecords`;
const uploadsPath = (f: string) => `/facility/${f}/documents`;
const documentUrl = (f: string, id: string) => `${stack.baseUrl}/facility/${f}/documents/${id}`;

async function pollRecords(f: string): Promise<any[]> {
  const r = await erp.get(recordsPath(f));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.dispensingWorkRecord as any[];
}

async function getOrder(f: string, number: string): Promise<any> {
  const r = await erp.get(`${ordersPath(f)}/${encodeURIComponent(number)}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The hub's document id among an associatedDocument's identifiers. */
const hubIdOf = (doc: { identifier: { agency: string; number: string }[] }): string | undefined =>
  doc.identifier.find((i) => i.agency === HUB_AGENCY)?.number;

/** Nothing of a failed request is visible or stored at this facility. */
async function assertNothingStored(f: string, order?: string): Promise<void> {
  await settled(stack);
  assert.deepEqual(await pollRecords(f), [], 'no record');
  if (order) assert.deepEqual((await getOrder(f, order)).records, [], 'no record on the order');
  assert.deepEqual(await bucket.keys(`documents/${f}/`), [], 'no stored object');
}

/** GET of a document as this key: a 302 whose presigned URL downloads exactly `bytes`. */
async function assertDownloads(f: string, id: string, key: string, bytes: Buffer, contentType: string): Promise<void> {
  const r = await getNoRedirect(documentUrl(f, id), key);
  assert.equal(r.status, 302, JSON.stringify(r.body));
  assert.ok(r.location, 'a Location');
  const location = new URL(r.location);
  const expires = Number(location.searchParams.get('X-Amz-Expires'));
  assert.ok(expires > 0 && expires <= 300, `X-Amz-Expires=${expires}`);
  const got = await download(r.location);
  assert.equal(got.status, 200);
  assert.ok(got.bytes.equals(bytes), 'byte-identical download');
  assert.equal(got.headers.get('content-type'), contentType);
}

/** Submits a record with one inline file at `f` and returns the hub's id of the stored file. */
async function storeInline(f: string, number: string, bytes: Buffer, extension = 'pdf'): Promise<string> {
  const r = await pcs.post(recordsPath(f), records(workRecord(number, { documents: [inlineDocument(bytes, extension)] })));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await settled(stack);
  const served = (await pollRecords(f)).find((d) => d.workRecordIdentifier.number === number);
  const id = hubIdOf(served.associatedDocument[0]);
  assert.match(id ?? '', DOCUMENT_ID);
  return id!;
}

/** Asks for a direct upload. */
function askUpload(f: string, body: { fileName: string; contentType: string; size: number }, key = pcs.key) {
  return client(stack.baseUrl, key).post(uploadsPath(f), body);
}

/** Asks for a direct upload and posts these bytes to it; returns the documentId. */
async function uploaded(f: string, declared: { fileName?: string; contentType: string; size: number }, bytes: Buffer): Promise<string> {
  const r = await askUpload(f, { fileName: declared.fileName ?? 'bol.pdf', contentType: declared.contentType, size: declared.size });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const up = await postUpload(r.body.upload, bytes, declared.contentType);
  assert.ok(up.status >= 200 && up.status < 300, `upload ${up.status}: ${up.text}`);
  return r.body.documentId as string;
}

describe('inline Bills of Lading', () => {
  test('pdf, png, jpeg and tiff are stored, served by reference with their hash, and downloaded byte-identical', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-INLINE')));
    const kinds: FileKind[] = ['pdf', 'png', 'jpeg', 'tiff'];
    const files = kinds.map((kind) => ({ kind, bytes: makeFile[kind](`Bill of Lading ${f} ${kind}`) }));
    const record = workRecord('WR-INLINE', {
      order: 'WO-INLINE',
      status: 'complete',
      batch: [1, 1],
      documents: files.map(({ kind, bytes }) => inlineDocument(bytes, kind, { ticket: `BOL-${kind}`, fileName: `bol-${kind}.${kind}` })),
    });

    // Act
    const r = await pcs.post(recordsPath(f), records(record));

    // Assess: the record as served carries references, not bytes.
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.results[0].outcome, 'created');
    await settled(stack);
    const served = await pollRecords(f);
    assert.equal(served.length, 1);
    assert.equal(validateWorkRecord(served[0]), true, JSON.stringify(validateWorkRecord.errors));
    const ids: string[] = [];
    served[0].associatedDocument.forEach((doc: any, i: number) => {
      const { kind } = files[i]!;
      assert.equal('file' in doc, false, `no bytes in document ${i}`);
      assert.equal(doc.identifier.length, 2);
      assert.deepEqual(doc.identifier[0], { agency: 'AssignedBySender', number: `BOL-${kind}` }, 'the PCS identifier stays');
      assert.equal(doc.identifier[1].agency, HUB_AGENCY);
      assert.match(doc.identifier[1].number, DOCUMENT_ID);
      assert.equal(doc.extension, kind);
      assert.equal(doc.documentType, 'BillOfLading');
      assert.equal(doc.fileName, `bol-${kind}.${kind}`);
      ids.push(doc.identifier[1].number);
    });
    assert.equal(new Set(ids).size, 4, 'one id per document');
    const { associatedDocument: _a, ...rest } = served[0];
    const { associatedDocument: _b, ...sent } = record;
    assert.deepEqual(rest, sent, 'the rest of the record is untouched');

    // Assess: the order lists the documents with hash and size.
    const one = await getOrder(f, 'WO-INLINE');
    assert.deepEqual(one.records[0].documentIds, ids);
    assert.deepEqual(
      one.documents.map((d: any) => [d.documentId, d.contentType, d.size, d.sha256, d.workRecordNumber, d.href]),
      files.map(({ kind, bytes }, i) => [
        ids[i],
        CONTENT_TYPES[kind],
        bytes.length,
        sha256(bytes),
        'WR-INLINE',
        `/facility/${f}/documents/${ids[i]}`,
      ]),
    );

    // Assess: the ERP downloads each, the PCS of the facility too; the bucket holds exactly these.
    for (const [i, { kind, bytes }] of files.entries()) await assertDownloads(f, ids[i]!, erp.key, bytes, CONTENT_TYPES[kind]);
    await assertDownloads(f, ids[0]!, pcs.key, files[0]!.bytes, 'application/pdf');
    assert.deepEqual(await bucket.keys(`documents/${f}/`), ids.map((id) => `documents/${f}/${id}`).sort());
  });

  test('a document is visible only at its facility; unknown and malformed ids are 404', async () => {
    // Prepare
    const f = facility();
    const g = facility();
    const id = await storeInline(f, 'WR-SCOPED', pdf(`scoped ${f}`));

    // Act
    const otherErp = await getNoRedirect(documentUrl(f, id), otherErpKey);
    const otherPcs = await getNoRedirect(documentUrl(f, id), otherPcsKey);
    const elsewhere = await getNoRedirect(documentUrl(g, id), erp.key);
    const elsewherePcs = await getNoRedirect(documentUrl(g, id), pcs.key);
    const unknown = await getNoRedirect(documentUrl(f, `doc_${randomBytes(16).toString('hex')}`), erp.key);
    const malformed = await Promise.all(
      ['nope', 'doc_123', `DOC_${'A'.repeat(32)}`, `${id}x`].map((bad) => getNoRedirect(documentUrl(f, bad), erp.key)),
    );

    // Assess
    assertProblem(otherErp, 403);
    assertProblem(otherPcs, 403);
    assertProblem(elsewhere, 404);
    assertProblem(elsewherePcs, 404);
    assertProblem(unknown, 404);
    for (const r of malformed) assertProblem(r, 404);
    assert.equal((await getNoRedirect(documentUrl(f, id), erp.key)).status, 302, 'control: it is there at its own facility');
  });
});

describe('names of stored documents', () => {
  test("a file named as another type is stored, listed and downloaded under its checked type's name, with nosniff", async () => {
    // Prepare: a PDF by its first bytes that is HTML after them, named .html; a name with a
    // right-to-left override and an .exe extension; a direct upload named .exe.
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-NAMES')));
    const lying = Buffer.from('%PDF-<html><script>alert(document.domain)</script></html>', 'latin1');
    const rlo = pdf(`rlo ${f}`);
    const big = pdf(`uploaded exe ${f}`);
    const uploadId = await uploaded(f, { fileName: 'BOL\u202Efdp.exe', contentType: 'application/pdf', size: big.length }, big);
    const record = workRecord('WR-NAMES', {
      order: 'WO-NAMES',
      documents: [
        inlineDocument(lying, 'pdf', { ticket: 'BOL-7731', fileName: 'BOL-7731.html' }),
        inlineDocument(rlo, 'pdf', { ticket: 'BOL-7732', fileName: 'Lieferschein Müller\u202Elmth.exe' }),
        referencedDocument(uploadId),
      ],
    });

    // Act
    const r = await pcs.post(recordsPath(f), records(record));

    // Assess: stored under names ending in .pdf.
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const listed = (await getOrder(f, 'WO-NAMES')).documents.map((d: any) => [d.fileName, d.contentType]);
    assert.deepEqual(listed, [
      ['BOL-7731.pdf', 'application/pdf'],
      ['Lieferschein Müllerlmth.pdf', 'application/pdf'],
      ['BOLfdp.pdf', 'application/pdf'],
    ]);
    const ids = (await getOrder(f, 'WO-NAMES')).documents.map((d: any) => d.documentId as string);

    // Assess: each download is named for its checked type (RFC 6266: an ASCII fallback, and
    // filename* in UTF-8 when the name is not ASCII), typed as it, and not sniffed.
    const expected = [
      'attachment; filename="BOL-7731.pdf"',
      `attachment; filename="Lieferschein Mullerlmth.pdf"; filename*=UTF-8''Lieferschein%20M%C3%BCllerlmth.pdf`,
      'attachment; filename="BOLfdp.pdf"',
    ];
    for (const [i, id] of ids.entries()) {
      const redirect = await getNoRedirect(documentUrl(f, id), erp.key);
      assert.equal(redirect.status, 302, JSON.stringify(redirect.body));
      assert.equal(redirect.headers.get('x-content-type-options'), 'nosniff', 'the 302 is not sniffed');
      const got = await download(redirect.location!);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-disposition'), expected[i]);
      assert.equal(got.headers.get('content-type'), 'application/pdf');
    }
  });
});

describe('inline documents that cannot be stored', () => {
  test('bytes that are not of the declared type are 400 and nothing of the batch is stored', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-WRONG')));
    const good = workRecord('WR-GOOD', { order: 'WO-WRONG', documents: [inlineDocument(pdf('good'), 'pdf')] });
    const bad = workRecord('WR-BAD', { order: 'WO-WRONG', documents: [inlineDocument(png('not a pdf'), 'pdf')] });

    // Act
    const alone = await pcs.post(recordsPath(f), records(bad));
    const batch = await pcs.post(recordsPath(f), records(good, bad));

    // Assess
    assertProblem(alone, 400);
    assert.deepEqual(errorPaths(alone), ['/dispensingWorkRecord/0/associatedDocument/0/file']);
    assertProblem(batch, 400);
    assert.deepEqual(errorPaths(batch), ['/dispensingWorkRecord/1/associatedDocument/0/file']);
    await assertNothingStored(f, 'WO-WRONG');
    assert.equal((await getOrder(f, 'WO-WRONG')).status, 'open');
  });

  test('an extension the hub does not keep and content that is not base64 are 400', async () => {
    // Prepare
    const f = facility();
    const exe = { ...inlineDocument(pdf(), 'pdf'), extension: 'exe' };
    const notBase64 = { ...inlineDocument(pdf(), 'pdf'), file: 'JVBERi0x*not base64*' };
    const badLength = { ...inlineDocument(pdf(), 'pdf'), file: 'JVBERi0xLjQK' + 'A' };

    // Act
    const r1 = await pcs.post(recordsPath(f), records(workRecord('WR-EXE', { documents: [exe] })));
    const r2 = await pcs.post(recordsPath(f), records(workRecord('WR-B64', { documents: [notBase64] })));
    const r3 = await pcs.post(recordsPath(f), records(workRecord('WR-B64-LEN', { documents: [badLength] })));

    // Assess
    assertProblem(r1, 400);
    assert.deepEqual(errorPaths(r1), ['/dispensingWorkRecord/0/associatedDocument/0/extension']);
    assertProblem(r2, 400);
    assert.deepEqual(errorPaths(r2), ['/dispensingWorkRecord/0/associatedDocument/0/file']);
    assertProblem(r3, 400);
    assert.deepEqual(errorPaths(r3), ['/dispensingWorkRecord/0/associatedDocument/0/file']);
    await assertNothingStored(f);
  });

  test('a file over 4 MiB decoded is 413, exactly 4 MiB is stored; a body over 6 MB is 413', async () => {
    // Prepare
    const f = facility();
    const over = fileOfSize('pdf', 4 * MiB + 1, 'over');
    const body = JSON.stringify(records(workRecord('WR-BIG', { documents: [inlineDocument(over, 'pdf')] })));
    assert.ok(Buffer.byteLength(body) < 6_000_000, 'the body itself is within the limit');
    const huge = fileOfSize('pdf', Math.ceil(4.6 * MiB), 'huge');
    const hugeBody = JSON.stringify(records(workRecord('WR-HUGE', { documents: [inlineDocument(huge, 'pdf')] })));
    assert.ok(Buffer.byteLength(hugeBody) > 6_000_000);

    // Act
    const r1 = await pcs.post(recordsPath(f), body);
    const r2 = await pcs.post(recordsPath(f), hugeBody);

    // Assess
    assertProblem(r1, 413);
    assert.deepEqual(errorPaths(r1), ['/dispensingWorkRecord/0/associatedDocument/0/file']);
    assertProblem(r2, 413);
    await assertNothingStored(f);

    // Act and assess: the limit itself is accepted.
    const exact = fileOfSize('pdf', 4 * MiB, 'exact');
    const id = await storeInline(f, 'WR-EXACT', exact);
    assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${id}`]);
  });
});

describe('direct uploads', () => {
  test('ask, upload by presigned POST under an exact policy, attach, download; the upload moves to documents/', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-UP')));
    const bytes = fileOfSize('pdf', 64 * 1024, `uploaded ${f}`);

    // Act: ask for the upload.
    const asked = await askUpload(f, { fileName: 'BOL 2026-0415.pdf', contentType: 'application/pdf', size: bytes.length });
    const answeredAt = Date.now();

    // Assess: the answer and the policy the emulator does not enforce.
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const { documentId, upload, expiresAt } = asked.body;
    assert.match(documentId, DOCUMENT_ID);
    assert.equal(typeof upload.url, 'string');
    assert.equal(typeof upload.fields, 'object');
    const expiry = Date.parse(expiresAt);
    assert.ok(expiry > answeredAt + 10 * 60_000 && expiry <= answeredAt + 15 * 60_000, `expiresAt ${expiresAt}`);
    const objectKey = `uploads/${f}/${documentId}`;
    assert.equal(upload.fields.key, objectKey);
    const policy = JSON.parse(Buffer.from(upload.fields.Policy, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    assert.ok(Date.parse(policy.expiration) <= answeredAt + 15 * 60_000, `policy expiration ${policy.expiration}`);
    assert.ok(Date.parse(policy.expiration) > answeredAt, 'not expired');
    const conditions = policy.conditions;
    assert.deepEqual(
      conditions.filter((c) => Array.isArray(c) && c[0] === 'content-length-range'),
      [['content-length-range', bytes.length, bytes.length]],
    );
    assert.deepEqual(
      conditions.filter((c) => Array.isArray(c) && c[1] === '$Content-Type'),
      [['eq', '$Content-Type', 'application/pdf']],
    );
    assert.deepEqual(
      conditions.filter((c) => !Array.isArray(c) && typeof c === 'object' && c !== null && 'key' in c),
      [{ key: objectKey }],
    );
    assert.equal(upload.fields['Content-Type'], 'application/pdf');

    // Act: upload; a pending upload cannot be downloaded.
    const up = await postUpload(upload, bytes, 'application/pdf', 'BOL 2026-0415.pdf');
    assert.ok(up.status >= 200 && up.status < 300, `upload ${up.status}: ${up.text}`);
    assert.deepEqual(await bucket.keys(`uploads/${f}/`), [objectKey]);
    assertProblem(await getNoRedirect(documentUrl(f, documentId), erp.key), 404);

    // Act: attach it to a record.
    const record = workRecord('WR-UP', { order: 'WO-UP', status: 'complete', batch: [1, 1], documents: [referencedDocument(documentId)] });
    const r = await pcs.post(recordsPath(f), records(record));

    // Assess
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results, [
      { index: 0, workRecordNumber: 'WR-UP', agency: 'AssignedBySender', outcome: 'created', orderMatched: true },
    ]);
    await assertDownloads(f, documentId, erp.key, bytes, 'application/pdf');
    assert.deepEqual(await bucket.keys(`uploads/${f}/`), [], 'the upload copy is gone');
    assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${documentId}`]);
    const one = await getOrder(f, 'WO-UP');
    assert.deepEqual(
      one.documents.map((d: any) => [d.documentId, d.fileName, d.contentType, d.size, d.sha256]),
      [[documentId, 'BOL 2026-0415.pdf', 'application/pdf', bytes.length, sha256(bytes)]],
    );
    await settled(stack);
    assert.deepEqual(await pollRecords(f), [record], 'the reference is served as submitted');
  });

  test('a documentId never asked for, or asked for and never uploaded, cannot be attached', async () => {
    // Prepare
    const f = facility();
    const asked = await askUpload(f, { fileName: 'never.pdf', contentType: 'application/pdf', size: 1000 });
    assert.equal(asked.status, 201);
    const unknownId = `doc_${randomBytes(16).toString('hex')}`;

    // Act
    const r1 = await pcs.post(recordsPath(f), records(workRecord('WR-UNKNOWN', { documents: [referencedDocument(unknownId)] })));
    const r2 = await pcs.post(recordsPath(f), records(workRecord('WR-NEVER', { documents: [referencedDocument(asked.body.documentId)] })));

    // Assess
    assertProblem(r1, 400);
    assert.deepEqual(errorPaths(r1), ['/dispensingWorkRecord/0/associatedDocument/0/identifier']);
    assertProblem(r2, 400);
    assert.deepEqual(errorPaths(r2), ['/dispensingWorkRecord/0/associatedDocument/0/identifier']);
    await assertNothingStored(f);
  });

  test('an upload of the wrong type or size is refused and stays unattachable', async () => {
    // Prepare
    const f = facility();
    const image = png('a photo, declared as a pdf');
    const wrongType = await uploaded(f, { contentType: 'application/pdf', size: image.length }, image);
    const longer = pdf('seven bytes longer than declared');
    const wrongSize = await uploaded(f, { contentType: 'application/pdf', size: longer.length - 7 }, longer);

    // Act
    const r1 = await pcs.post(recordsPath(f), records(workRecord('WR-TYPE', { documents: [referencedDocument(wrongType)] })));
    const again = await pcs.post(recordsPath(f), records(workRecord('WR-TYPE-2', { documents: [referencedDocument(wrongType)] })));
    const r2 = await pcs.post(recordsPath(f), records(workRecord('WR-SIZE', { documents: [referencedDocument(wrongSize)] })));

    // Assess
    for (const r of [r1, again, r2]) {
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/dispensingWorkRecord/0/associatedDocument/0/identifier']);
    }
    assertProblem(await getNoRedirect(documentUrl(f, wrongType), erp.key), 404);
    assertProblem(await getNoRedirect(documentUrl(f, wrongSize), erp.key), 404);
    await assertNothingStored(f);
  });

  test("another facility's upload cannot be attached here, and stays attachable at its own", async () => {
    // Prepare
    const f = facility();
    const g = facility();
    const bytes = pdf(`belongs to ${g}`);
    const id = await uploaded(g, { contentType: 'application/pdf', size: bytes.length }, bytes);

    // Act
    const here = await pcs.post(recordsPath(f), records(workRecord('WR-FOREIGN', { documents: [referencedDocument(id)] })));
    const there = await pcs.post(recordsPath(g), records(workRecord('WR-HOME', { documents: [referencedDocument(id)] })));

    // Assess
    assertProblem(here, 400);
    assert.deepEqual(errorPaths(here), ['/dispensingWorkRecord/0/associatedDocument/0/identifier']);
    await assertNothingStored(f);
    assert.equal(there.status, 200, JSON.stringify(there.body));
    assert.equal(there.body.results[0].outcome, 'created');
    await assertDownloads(g, id, erp.key, bytes, 'application/pdf');
    assertProblem(await getNoRedirect(documentUrl(f, id), erp.key), 404);
  });

  test('a document already attached may be named by a later record', async () => {
    // Prepare
    const f = facility();
    const bytes = pdf(`shared ${f}`);
    const id = await uploaded(f, { contentType: 'application/pdf', size: bytes.length }, bytes);
    const first = await pcs.post(recordsPath(f), records(workRecord('WR-SHARE-1', { documents: [referencedDocument(id)] })));
    assert.equal(first.status, 200, JSON.stringify(first.body));

    // Act
    const second = await pcs.post(recordsPath(f), records(workRecord('WR-SHARE-2', { documents: [referencedDocument(id)] })));

    // Assess
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.results[0].outcome, 'created');
    await assertDownloads(f, id, erp.key, bytes, 'application/pdf');
    assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${id}`]);
  });

  test('two records naming the same pending upload at the same time are both created', async () => {
    // Prepare
    const f = facility();
    const bytes = pdf(`raced ${f}`);
    const id = await uploaded(f, { contentType: 'application/pdf', size: bytes.length }, bytes);

    // Act
    const replies = await Promise.all(
      ['WR-RACE-A', 'WR-RACE-B'].map((n) => pcs.post(recordsPath(f), records(workRecord(n, { documents: [referencedDocument(id)] })))),
    );

    // Assess
    for (const r of replies) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.results[0].outcome, 'created');
    }
    await settled(stack);
    assert.deepEqual((await pollRecords(f)).map((d) => d.workRecordIdentifier.number).sort(), ['WR-RACE-A', 'WR-RACE-B']);
    assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${id}`]);
  });

  test('concurrent identical submissions naming a pending upload: one created, the rest unchanged', async () => {
    // Three rounds of five twins: the race does not lose every time.
    for (let round = 0; round < 3; round++) {
      // Prepare
      const f = facility();
      const bytes = pdf(`twins ${f}`);
      const id = await uploaded(f, { contentType: 'application/pdf', size: bytes.length }, bytes);
      const body = JSON.stringify(records(workRecord('WR-UP-TWINS', { documents: [referencedDocument(id)] })));

      // Act
      const replies = await Promise.all(Array.from({ length: 5 }, () => pcs.post(recordsPath(f), body)));

      // Assess
      assert.deepEqual(
        replies.map((r) => `${r.status} ${r.body?.results?.[0]?.outcome ?? r.body?.detail}`).sort(),
        ['200 created', '200 unchanged', '200 unchanged', '200 unchanged', '200 unchanged'],
        `round ${round}`,
      );
      assert.deepEqual(await bucket.keys(`uploads/${f}/`), []);
      assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${id}`]);
    }
  });

  test('an upload can be attached only by the key that asked for it; to another key of the facility it is unknown', async () => {
    // Prepare: a second PCS key of the same facility; the first asks for the upload and uploads.
    const f = facility();
    const second = await keyed(stack, 'pcs', [f], ['--name', 'second PCS of the facility']);
    const bytes = pdf(`asked by the first key ${f}`);
    const id = await uploaded(f, { contentType: 'application/pdf', size: bytes.length }, bytes);
    const unknownId = `doc_${randomBytes(16).toString('hex')}`;

    // Act
    const byOther = await second.post(recordsPath(f), records(workRecord('WR-NOT-MINE', { documents: [referencedDocument(id)] })));
    const unknown = await second.post(recordsPath(f), records(workRecord('WR-UNKNOWN', { documents: [referencedDocument(unknownId)] })));

    // Assess: the same answer as for an id never asked for, and nothing attached.
    assertProblem(byOther, 400);
    assert.deepEqual(errorPaths(byOther), ['/dispensingWorkRecord/0/associatedDocument/0/identifier']);
    assert.deepEqual(
      byOther.body.errors.map((e: any) => e.message.replace(id, 'ID')),
      unknown.body.errors.map((e: any) => e.message.replace(unknownId, 'ID')),
    );
    assert.equal(byOther.body.detail, unknown.body.detail);
    await assertNothingStored(f);
    assert.deepEqual(await bucket.keys(`uploads/${f}/`), [`uploads/${f}/${id}`], 'the upload is still there');

    // Act: the key that asked attaches it.
    const byOwner = await pcs.post(recordsPath(f), records(workRecord('WR-MINE', { documents: [referencedDocument(id)] })));

    // Assess
    assert.equal(byOwner.status, 200, JSON.stringify(byOwner.body));
    assert.equal(byOwner.body.results[0].outcome, 'created');
    await assertDownloads(f, id, erp.key, bytes, 'application/pdf');
  });

  test('bad upload requests are 400; the ERP role cannot ask for uploads', async () => {
    // Prepare
    const f = facility();
    const ok = { fileName: 'bol.pdf', contentType: 'application/pdf', size: 1000 };

    // Act
    const bad = await Promise.all([
      askUpload(f, { ...ok, contentType: 'text/plain' }),
      askUpload(f, { ...ok, size: 0 }),
      askUpload(f, { ...ok, size: 50 * MiB + 1 }),
      askUpload(f, { ...ok, fileName: 'tickets/bol.pdf' }),
      askUpload(f, { ...ok, fileName: '' }),
    ]);
    const asErp = await askUpload(f, ok, erp.key);
    const largest = await askUpload(f, { ...ok, size: 50 * MiB });

    // Assess
    for (const r of bad) assertProblem(r, 400);
    assertProblem(asErp, 403);
    assert.equal(largest.status, 201, `50 MiB is allowed: ${JSON.stringify(largest.body)}`);
  });
});

describe('the S3 emulator', () => {
  test('a copy with x-amz-copy-source-if-match copies only an object of that ETag, else 412 PreconditionFailed, as S3 does', async () => {
    // Prepare: an object, its ETag, then the same key re-posted with other bytes of the same size.
    const f = facility();
    const source = `uploads/${f}/precondition`;
    const target = `documents/${f}/precondition`;
    const first = pdf('first version');
    const other = Buffer.from(first.toString('latin1').replace('first', 'other'), 'latin1');
    const put = (Body: Buffer) => bucket.s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: source, Body }));
    const copy = (etag: string) =>
      bucket.s3.send(
        new CopyObjectCommand({
          Bucket: bucket.name,
          CopySource: `${bucket.name}/${source}`,
          CopySourceIfMatch: etag,
          Key: target,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: 'x' },
        }),
      );
    const checked = (await put(first)).ETag!;
    await put(other);
    const current = (await bucket.s3.send(new HeadObjectCommand({ Bucket: bucket.name, Key: source }))).ETag!;
    assert.notEqual(current, checked);

    // Act
    const stale = await copy(checked).then(
      () => null,
      (e: { name: string; $metadata?: { httpStatusCode?: number } }) => e,
    );

    // Assess: refused, and nothing written at the target.
    assert.equal(stale?.name, 'PreconditionFailed');
    assert.equal(stale?.$metadata?.httpStatusCode, 412);
    assert.deepEqual(await bucket.keys(`documents/${f}/`), []);

    // Act: the current ETag copies.
    await copy(current);

    // Assess
    const copied = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: target }));
    assert.ok(Buffer.from(await copied.Body!.transformToByteArray()).equals(other));
  });
});

describe('failures leave nothing dangling', () => {
  test('a record too large to store after its file was written is 413 and its file is deleted', async () => {
    // Prepare: a record whose stored JSON exceeds one item (350 KiB), with an inline file.
    const f = facility();
    const record = workRecord('WR-TOO-BIG', { documents: [inlineDocument(pdf('orphan?'), 'pdf')] });
    const product = record.productGroup[0]!.product[0]!;
    record.productGroup[0]!.product = Array.from({ length: 1500 }, () => structuredClone(product));

    // Act
    const r = await pcs.post(recordsPath(f), records(record));

    // Assess
    assertProblem(r, 413);
    await assertNothingStored(f);
  });

  test('S3 failing before the database write is a 5xx with nothing stored; a retry after repair is created', async () => {
    // Prepare: a stack of its own whose bucket is gone.
    const broken = await startStack();
    try {
      const f = 'BROKEN-1';
      const brokenBucket = bucketOf(broken);
      const [erpBroken, pcsBroken] = await Promise.all([broken.createKey('erp', [f]), broken.createKey('pcs', [f])]);
      const erpC = client(broken.baseUrl, erpBroken);
      const pcsC = client(broken.baseUrl, pcsBroken);
      await erpC.post(ordersPath(f), orders(workOrder('WO-S3')));
      await brokenBucket.remove();
      const body = records(workRecord('WR-S3', { order: 'WO-S3', status: 'complete', documents: [inlineDocument(pdf('s3 down'), 'pdf')] }));

      // Act
      const failed = await pcsC.post(recordsPath(f), body);

      // Assess
      assertProblem(failed, (s) => s >= 500 && s < 600);
      await settled(stack);
      assert.deepEqual((await erpC.get(recordsPath(f))).body.dispensingWorkRecord, [], 'no record');
      const order = (await erpC.get(`${ordersPath(f)}/WO-S3`)).body;
      assert.deepEqual(order.records, []);
      assert.deepEqual(order.documents, []);
      assert.equal(order.status, 'open', 'the order did not move');

      // Act: repair and retry.
      await brokenBucket.create();
      const retried = await pcsC.post(recordsPath(f), body);

      // Assess
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.results[0].outcome, 'created');
      const after = (await erpC.get(`${ordersPath(f)}/WO-S3`)).body;
      assert.equal(after.status, 'complete');
      assert.deepEqual(
        await brokenBucket.keys(`documents/${f}/`),
        after.documents.map((d: any) => `documents/${f}/${d.documentId}`),
      );
    } finally {
      await broken.destroy();
    }
  });
});

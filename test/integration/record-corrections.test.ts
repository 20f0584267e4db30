/**
 * Work-record corrections and voids over real HTTP (API.md, "Work-record corrections and
 * voids"): PUT of one record (corrected, unchanged, 404, 400, 412), void (voided, unchanged,
 * corrected again), the one-record view with its history and earlier revisions, the ERP's
 * records poll serving the latest revision in every form while the PCS's order poll does not,
 * earlier revisions' Bills of Lading, racing corrections, the typed client and the reference
 * ERP client. The derived figures are in record-corrections-figures.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, test } from 'vitest';
import { createClient } from '../../clients/typescript/src/client.ts';
import { facilityPk, recordSk } from '../../functions/store/keys.ts';
import { TABLE } from '../../functions/store/table.ts';
import { download, getNoRedirect } from '../support/bucket.ts';
import { pdf } from '../support/files.ts';
import { runNode } from '../support/local-stack.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { DOCUMENT_ID, HUB_AGENCY, inlineDocument, records, workRecord } from '../support/records.ts';
import { facilityNames, localTable, settled, useSharedStack } from '../support/shared-stack.ts';

const names = facilityNames('RC');
const FACILITIES = 20;
const facility = names.next;
const ctx = useSharedStack({
  erp: ['erp', ['*']],
  pcs: ['pcs', names.first(FACILITIES)],
  erpLegacy: ['erp', ['*'], ['--format', 'legacy']],
  erpNumeric: ['erp', ['*'], ['--format', 'legacy-numeric']],
  pcsOrders: ['pcs', names.first(FACILITIES)],
});

const temp = mkdtempSync(join(tmpdir(), 'mixticket-corrections-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const recordPath = (f: string, n: string, query = '') => `/facility/${f}/dispensingWorkRecords/${encodeURIComponent(n)}${query}`;
const submit = async (f: string, ...docs: ReturnType<typeof workRecord>[]) => {
  const r = await ctx.pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...docs));
  assert.equal(r.status, 200, r.text);
  return r;
};
const put = (f: string, n: string, body: unknown, query = '', headers: Record<string, string> = {}) =>
  ctx.pcs.call('PUT', recordPath(f, n, query), body, headers);
const voidRecord = (f: string, n: string, reason: string, query = '', headers: Record<string, string> = {}) =>
  ctx.pcs.call('POST', recordPath(f, n, `/void${query}`), { reason }, headers);
const view = async (f: string, n: string, query = '') => {
  const r = await ctx.erp.get(recordPath(f, n, query));
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const dap = (doc: any) => doc.productGroup[0].product[0].actualQuantity.value;
/** A time a poll can start from that lies after everything acknowledged so far. */
const mark = async () => {
  await settled(ctx.stack);
  const at = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  return at;
};

describe('PUT one record', () => {
  test('corrected (revision 2), unchanged when identical, 404 for an unknown record', async () => {
    const f = facility();
    await submit(f, workRecord('WR-1'));
    const fixed = workRecord('WR-1', { actual: [15978, 7995.5] });
    const corrected = await put(f, 'WR-1', fixed);
    assert.equal(corrected.status, 200, corrected.text);
    assert.deepEqual(corrected.body, {
      results: [{ index: 0, workRecordNumber: 'WR-1', agency: 'AssignedBySender', outcome: 'corrected', revision: 2 }],
    });
    const same = await put(f, 'WR-1', fixed);
    assert.deepEqual(same.body.results[0], {
      index: 0,
      workRecordNumber: 'WR-1',
      agency: 'AssignedBySender',
      outcome: 'unchanged',
      revision: 2,
    });
    const record = await view(f, 'WR-1');
    assert.equal(record.revision, 2);
    assert.equal(record.status, 'active');
    assert.equal(dap(record.workRecord), 15978);
    assertProblem(await put(f, 'WR-NONE', workRecord('WR-NONE')), 404);
  });

  test('400: number other than the path’s, ?agency= other than the body’s, another order, an envelope', async () => {
    const f = facility();
    await submit(f, workRecord('WR-2'));
    const number = await put(f, 'WR-2', workRecord('WR-3'));
    assertProblem(number, 400);
    assert.deepEqual(errorPaths(number), ['/workRecordIdentifier/number']);
    const agency = await put(f, 'WR-2', workRecord('WR-2', { note: 'x' }), '?agency=GS1');
    assertProblem(agency, 400);
    assert.deepEqual(errorPaths(agency), ['/queryStringParameters/agency']);
    const moved = await put(f, 'WR-2', workRecord('WR-2', { order: 'WO-ELSEWHERE' }));
    assertProblem(moved, 400);
    assert.deepEqual(errorPaths(moved), ['/workOrderIdentifier']);
    assertProblem(await put(f, 'WR-2', records(workRecord('WR-2', { note: 'x' }))), 400);
    assert.equal((await view(f, 'WR-2')).revision, 1, 'nothing applied');
    assert.equal((await put(f, 'WR-2', workRecord('WR-2', { note: 'x' }), '?agency=AssignedBySender')).body.results[0].revision, 2);
  });

  test('If-Match: the latest revision applies; a stale one is 412 and nothing is applied', async () => {
    const f = facility();
    await submit(f, workRecord('WR-4'));
    const first = await put(f, 'WR-4', workRecord('WR-4', { note: 'first' }), '', { 'if-match': '"1"' });
    assert.equal(first.body.results[0].revision, 2);
    const stale = await put(f, 'WR-4', workRecord('WR-4', { note: 'second' }), '', { 'if-match': '"1"' });
    assertProblem(stale, 412, 'precondition-failed');
    const record = await view(f, 'WR-4');
    assert.equal(record.revision, 2);
    assert.equal(record.workRecord.groupDescription, 'first');
    assertProblem(await put(f, 'WR-4', workRecord('WR-4', { note: 'x' }), '', { 'if-match': 'nope' }), 400);
  });

  test('a correction in the older form is read as one document', async () => {
    const f = facility();
    await submit(f, workRecord('WR-5'));
    await settled(ctx.stack);
    const legacy = (await ctx.erpLegacy.get(`/facility/${f}/dispensingWorkRecords`)).body[0];
    legacy.ProductGroup[0].Product[0].ActualQuantity.Value = 8000;
    const r = await put(f, 'WR-5', legacy);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.results[0].outcome, 'corrected');
    assert.equal(dap((await view(f, 'WR-5')).workRecord), 8000);
  });
});

describe('roles', () => {
  test('PUT and void are the PCS’s (an ERP key: 403); both roles read one record', async () => {
    const f = facility();
    await submit(f, workRecord('WR-K'));
    assertProblem(await ctx.erp.call('PUT', recordPath(f, 'WR-K'), workRecord('WR-K', { note: 'x' })), 403);
    assertProblem(await ctx.erp.call('POST', recordPath(f, 'WR-K', '/void'), { reason: 'x' }), 403);
    assert.equal((await ctx.pcs.get(recordPath(f, 'WR-K'))).status, 200);
    assert.equal((await ctx.erp.get(recordPath(f, 'WR-K'))).status, 200);
    assertProblem(await ctx.pcs.get(recordPath('RC-ELSEWHERE', 'WR-K')), 403);
  });
});

describe('records stored before revisions existed', () => {
  test('a record without revision, status or history is corrected as revision 1 (the upgrade path)', async () => {
    const f = facility();
    await submit(f, workRecord('WR-OLD'));
    // The head as the code before this change wrote it: none of the revision attributes.
    const { db, tableName } = localTable(ctx.stack);
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [TABLE.partitionKey]: facilityPk(f), [TABLE.sortKey]: recordSk('AssignedBySender', 'WR-OLD') },
        UpdateExpression: 'REMOVE revision, recordStatus, history, modifiedAt, keyId',
      }),
    );
    const before = await view(f, 'WR-OLD');
    assert.deepEqual([before.revision, before.status, before.history.length, before.history[0].keyId], [1, 'active', 1, null]);
    const fixed = await put(f, 'WR-OLD', workRecord('WR-OLD', { note: 'fixed' }), '', { 'if-match': '"1"' });
    assert.equal(fixed.body.results[0].revision, 2, fixed.text);
    const after = await view(f, 'WR-OLD');
    assert.deepEqual(
      after.history.map((h: any) => [h.revision, h.outcome]),
      [
        [1, 'created'],
        [2, 'corrected'],
      ],
    );
    assert.deepEqual((await view(f, 'WR-OLD', '?revision=1')).workRecord, workRecord('WR-OLD'));
  });
});

describe('voids', () => {
  test('voided: zeros in every unit and the comment; voided again → unchanged; a PUT corrects it again; history of three revisions', async () => {
    const f = facility();
    const original = workRecord('WR-V');
    await submit(f, original);
    const voided = await voidRecord(f, 'WR-V', 'turned back at the gate', '', { 'idempotency-key': `void-${f}` });
    assert.equal(voided.status, 200, voided.text);
    assert.deepEqual(voided.body, { workRecordNumber: 'WR-V', agency: 'AssignedBySender', outcome: 'voided', revision: 2 });
    const replayed = await voidRecord(f, 'WR-V', 'turned back at the gate', '', { 'idempotency-key': `void-${f}` });
    assert.deepEqual(replayed.body, voided.body, 'a retry with its Idempotency-Key answers the first answer');
    const again = await voidRecord(f, 'WR-V', 'another reason');
    assert.deepEqual(again.body, { workRecordNumber: 'WR-V', agency: 'AssignedBySender', outcome: 'unchanged', revision: 2 });

    const asVoided = await view(f, 'WR-V');
    assert.equal(asVoided.status, 'voided');
    for (const p of asVoided.workRecord.productGroup[0].product) {
      assert.equal(p.actualQuantity.value, 0);
      assert.equal(p.actualQuantity.uom, 'LBR');
    }
    assert.deepEqual(asVoided.workRecord.comments.at(-1), {
      identifier: [{ agency: HUB_AGENCY, number: 'MIXTICKET-VOID' }],
      commentType: 'BolComment',
      comment: 'Voided: turned back at the gate',
    });

    const back = await put(f, 'WR-V', original);
    assert.deepEqual(back.body.results[0], {
      index: 0,
      workRecordNumber: 'WR-V',
      agency: 'AssignedBySender',
      outcome: 'corrected',
      revision: 3,
    });
    const record = await view(f, 'WR-V');
    assert.equal(record.status, 'active');
    assert.deepEqual(
      record.history.map((h: any) => [h.revision, h.outcome, h.keyId !== null, h.reason]),
      [
        [1, 'created', true, null],
        [2, 'voided', true, 'turned back at the gate'],
        [3, 'corrected', true, null],
      ],
    );
    assert.ok(record.history.every((h: any, i: number, all: any[]) => i === 0 || h.at >= all[i - 1].at));
    assert.deepEqual((await view(f, 'WR-V', '?revision=1')).workRecord, original);
    assert.equal(dap((await view(f, 'WR-V', '?revision=2')).workRecord), 0);
    assertProblem(await ctx.erp.get(recordPath(f, 'WR-V', '?revision=4')), 404);
    assertProblem(await ctx.erp.get(recordPath(f, 'WR-V', '?revision=0')), 400);
    assertProblem(await voidRecord(f, 'WR-NONE', 'x'), 404);
    assertProblem(await ctx.pcs.call('POST', recordPath(f, 'WR-V', '/void'), { reason: '' }), 400);
  });
});

describe('what the ERP sees', () => {
  test('the records poll serves the latest revision again in canonical, legacy and legacy-numeric; the PCS order poll does not', async () => {
    const f = facility();
    await submit(f, workRecord('WR-P1'), workRecord('WR-P2'));
    const since = await mark();
    assert.equal((await put(f, 'WR-P1', workRecord('WR-P1', { actual: [15978, 7995.5] }))).status, 200);
    assert.equal((await voidRecord(f, 'WR-P2', 'wrong lot')).status, 200);
    await settled(ctx.stack);
    const q = `?lastExecutionDateTime=${encodeURIComponent(since)}`;

    const canonical = (await ctx.erp.get(`/facility/${f}/dispensingWorkRecords${q}`)).body.dispensingWorkRecord;
    assert.deepEqual(
      canonical.map((d: any) => [d.workRecordIdentifier.number, dap(d)]),
      [
        ['WR-P1', 15978],
        ['WR-P2', 0],
      ],
    );
    assert.equal(canonical[1].comments.at(-1).comment, 'Voided: wrong lot');

    const legacy = (await ctx.erpLegacy.get(`/facility/${f}/dispensingWorkRecords${q}`)).body;
    assert.deepEqual(
      legacy.map((d: any) => [d.WorkRecordIdentifier.Number, d.ProductGroup[0].Product[0].ActualQuantity.Value]),
      [
        ['WR-P1', 15978],
        ['WR-P2', 0],
      ],
    );
    assert.deepEqual(legacy[1].Comments.at(-1), {
      Identifier: [{ Agency: 'AssignedByReciever', Number: 'MIXTICKET-VOID' }],
      CommentType: 'BolComment',
      Comment: 'Voided: wrong lot',
    });

    const numeric = (await ctx.erpNumeric.get(`/facility/${f}/dispensingWorkRecords${q}`)).body;
    assert.deepEqual(
      numeric.map((d: any) => d.ProductGroup[0].Product[0].ActualQuantity.Value),
      [15978, 0],
    );
    assert.deepEqual(numeric[1].Comments.at(-1), {
      Identifier: [{ Agency: 4, Number: 'MIXTICKET-VOID' }],
      CommentType: 0,
      Comment: 'Voided: wrong lot',
    });

    const pcsPoll = await ctx.pcsOrders.get(`/facility/${f}/dispensingWorkorders${q}`);
    assert.equal(pcsPoll.status, 200);
    assert.deepEqual(pcsPoll.body.dispensingWorkOrder, []);
  });

  test('an earlier revision’s Bill of Lading still downloads; the view lists every revision’s documents', async () => {
    const f = facility();
    const first = pdf('original BOL');
    await submit(f, workRecord('WR-B', { documents: [inlineDocument(first, 'pdf', { ticket: 'BOL-1' })] }));
    const second = pdf('corrected BOL');
    const fixed = await put(f, 'WR-B', workRecord('WR-B', { documents: [inlineDocument(second, 'pdf', { ticket: 'BOL-2' })] }));
    assert.equal(fixed.body.results[0].outcome, 'corrected', fixed.text);
    const record = await view(f, 'WR-B');
    assert.deepEqual(
      record.documents.map((d: any) => d.revision),
      [2, 1],
    );
    for (const d of record.documents) assert.match(d.documentId, DOCUMENT_ID);
    const older = record.documents.find((d: any) => d.revision === 1);
    const redirect = await getNoRedirect(ctx.stack.baseUrl + older.href, ctx.erp.key);
    assert.equal(redirect.status, 302);
    assert.ok((await download(redirect.location!)).bytes.equals(first));
    // The earlier revision's document names its own file.
    const original = await view(f, 'WR-B', '?revision=1');
    assert.equal(original.workRecord.associatedDocument[0].identifier.at(-1).number, older.documentId);
  });

  test('two racing corrections: two revisions, or one and unchanged when identical — never a lost one', async () => {
    const f = facility();
    await submit(f, workRecord('WR-R1'), workRecord('WR-R2'));
    const [a, b] = await Promise.all([
      put(f, 'WR-R1', workRecord('WR-R1', { note: 'a' })),
      put(f, 'WR-R1', workRecord('WR-R1', { note: 'b' })),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200], `${a.text} ${b.text}`);
    assert.deepEqual([a.body.results[0].revision, b.body.results[0].revision].sort(), [2, 3]);
    const record = await view(f, 'WR-R1');
    assert.equal(record.revision, 3);
    const notes = await Promise.all([2, 3].map(async (n) => (await view(f, 'WR-R1', `?revision=${n}`)).workRecord.groupDescription));
    assert.deepEqual(notes.sort(), ['a', 'b'], 'both corrections are revisions');

    const same = workRecord('WR-R2', { note: 'same' });
    const twins = await Promise.all([put(f, 'WR-R2', same), put(f, 'WR-R2', same)]);
    assert.deepEqual(twins.map((t) => t.body.results[0].outcome).sort(), ['corrected', 'unchanged']);
    assert.deepEqual(
      twins.map((t) => t.body.results[0].revision),
      [2, 2],
    );
  });
});

describe('clients', () => {
  test('the typed client corrects, voids and reads one record', async () => {
    const f = facility();
    await submit(f, workRecord('WR-C'));
    const pcs = createClient({ baseUrl: ctx.stack.baseUrl, apiKey: ctx.pcs.key });
    const erp = createClient({ baseUrl: ctx.stack.baseUrl, apiKey: ctx.erp.key });
    const params = { facilityId: f, workRecordNumber: 'WR-C' };
    const corrected = await pcs.call('correctWorkRecord', {
      params,
      body: workRecord('WR-C', { note: 'typed' }),
      headers: { 'if-match': '"1"' },
    });
    assert.equal(corrected.status, 200);
    if (corrected.status === 200) assert.equal(corrected.body.results[0]!.revision, 2);
    const voided = await pcs.call('voidWorkRecord', { params, body: { reason: 'typed void' } });
    assert.equal(voided.status, 200);
    if (voided.status === 200) assert.equal(voided.body.outcome, 'voided');
    const got = await erp.call('getWorkRecord', { params, query: { revision: 2 } });
    assert.equal(got.status, 200);
    if (got.status === 200) {
      assert.equal(got.body.revision, 2);
      assert.equal(got.body.status, 'voided');
      assert.equal(got.body.workRecord.groupDescription, 'typed');
    }
  });

  test('the reference ERP client’s records folder holds the latest revision', async () => {
    const f = facility();
    await submit(f, workRecord('WR-E'));
    await settled(ctx.stack);
    const out = join(temp, f);
    const args = [
      'clients/typescript/src/erp-cli.ts',
      'records',
      '--url',
      ctx.stack.baseUrl,
      '--facility',
      f,
      '--key',
      ctx.erp.key,
      '--state',
      join(temp, `${f}.json`),
      '--out',
      out,
      '--once',
    ];
    const file = join(out, 'AssignedBySender', 'WR-E.json');
    assert.equal((await runNode(args)).code, 0);
    assert.equal(dap(JSON.parse(readFileSync(file, 'utf8'))), 8010);
    await put(f, 'WR-E', workRecord('WR-E', { actual: [15978, 7995.5] }));
    await settled(ctx.stack);
    const second = await runNode(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(dap(JSON.parse(readFileSync(file, 'utf8'))), 15978);
  });
});

/**
 * Work-record corrections and voids: the void transform over every actualQuantity and in both
 * older forms, the planning of a revision (unchanged, corrected, stale If-Match, another
 * order), and the use case over the in-memory stores (test/unit/helpers/): revisions and their
 * audit trail, identity checks, races, documents of earlier revisions, the figures port.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import { toLegacy } from '../../functions/domain/legacy-form.ts';
import {
  nextRevision,
  parseIfMatch,
  planCorrection,
  readHistory,
  VOID_COMMENT,
  voidedRecord,
} from '../../functions/domain/record-revisions.ts';
import { recordContentHash, type WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { validateWorkRecord } from '../../functions/generated/validators.cjs';
import { recordFromItem, recordHeadPut, recordPut } from '../../functions/store/record-store.ts';
import { movedInStream } from '../../functions/store/stream-documents.ts';
import { TABLE } from '../../functions/store/table.ts';
import { correctWorkRecord, getWorkRecord, voidWorkRecord } from '../../functions/use-cases/correct-work-records.ts';
import { pdf } from '../support/files.ts';
import { inlineDocument, workRecord } from '../support/records.ts';
import { memoryCorrectionStore } from './helpers/memory-record-correction-store.ts';

const FACILITY = 'PLANT-RC';
const T0 = Date.parse('2026-12-02T08:00:00.000Z');
const rec = (number: string, options: Parameters<typeof workRecord>[1] = {}) =>
  workRecord(number, options) as unknown as WorkRecordDocument;
const kind = (k: string) => (e: unknown) => e instanceof HubError && e.kind === k;

/** A record with every place an actualQuantity may be: groups, products, source and destination containers. */
function withContainers(number: string): WorkRecordDocument {
  const doc = rec(number);
  const group = doc.productGroup[0]!;
  const vessel = (n: string, value: number, uom: string) => ({
    identifier: [{ agency: 'AssignedBySender' as const, number: n }],
    capacity: { value: 20000, uom, agency: 'UN_REC_20' as const },
    actualQuantity: { value, uom, agency: 'UN_REC_20' as const },
  });
  group.actualQuantity = { value: 16005.5, uom: 'LBR', agency: 'UN_REC_20' };
  group.destinationContainer = [vessel('TRUCK-9', 16005.5, 'LBR')];
  group.product[0]!.sourceContainer = [vessel('BIN-3', 8010, 'LBR'), vessel('BIN-4', 3.6, 'TNE')];
  return doc;
}

/** Every actualQuantity of a record with its JSON path. */
function actualQuantities(value: unknown, path = ''): [string, { value: number; uom: string }][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => actualQuantities(v, `${path}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'actualQuantity' ? [[`${path}/${k}`, v as { value: number; uom: string }]] : actualQuantities(v, `${path}/${k}`),
  );
}

describe('a void (domain)', () => {
  test('every actualQuantity — groups, products, source and destination containers — is 0 in its own unit; the rest is kept', () => {
    const doc = withContainers('WR-V1');
    const voided = voidedRecord(doc, 'turned back at the gate');
    const before = actualQuantities(doc);
    const after = actualQuantities(voided);
    assert.equal(before.length, 6, 'the fixture has every kind of actualQuantity');
    assert.deepEqual(
      after.map(([p, q]) => [p, q.value, q.uom]),
      before.map(([p, q]) => [p, 0, q.uom]),
    );
    assert.deepEqual(voided.productGroup[0]!.product[0]!.requestedQuantity, doc.productGroup[0]!.product[0]!.requestedQuantity);
    assert.equal(validateWorkRecord(voided), true, JSON.stringify(validateWorkRecord.errors));
    assert.notEqual(before[0]![1].value, 0, 'the original is untouched');
  });

  test('the comment says why, is valid in both older forms, and a second void replaces it', () => {
    const voided = voidedRecord(rec('WR-V2'), 'wrong lot');
    assert.deepEqual(voided.comments, [
      { identifier: [{ agency: 'AssignedByReciever', number: 'MIXTICKET-VOID' }], commentType: 'BolComment', comment: 'Voided: wrong lot' },
    ]);
    const legacy = toLegacy('workRecord', voided, 'legacy') as { Comments: unknown[] };
    assert.deepEqual(legacy.Comments, [
      { Identifier: [{ Agency: 'AssignedByReciever', Number: 'MIXTICKET-VOID' }], CommentType: 'BolComment', Comment: 'Voided: wrong lot' },
    ]);
    const numeric = toLegacy('workRecord', voided, 'legacy-numeric') as { Comments: unknown[] };
    assert.deepEqual(numeric.Comments, [
      { Identifier: [{ Agency: 4, Number: 'MIXTICKET-VOID' }], CommentType: 0, Comment: 'Voided: wrong lot' },
    ]);
    const again = voidedRecord(voided, 'second reason');
    assert.equal(again.comments!.length, 1);
    assert.equal(again.comments![0]!.comment, 'Voided: second reason');
    assert.equal(VOID_COMMENT.commentType, 'BolComment');
  });
});

describe('planning a correction (domain)', () => {
  const doc = rec('WR-P1');
  const head = {
    revision: 2,
    recordStatus: 'active' as const,
    contentHash: 'h-sent',
    doc,
    orderAgency: doc.workOrderIdentifier.agency,
    orderNumber: doc.workOrderIdentifier.number,
  };

  test('identical (as sent, or as stored) → unchanged; other content → the next revision', () => {
    assert.deepEqual(planCorrection(head, doc, 'h-sent', null), { outcome: 'unchanged', revision: 2 });
    assert.deepEqual(planCorrection(head, doc, recordContentHash(doc), null), { outcome: 'unchanged', revision: 2 });
    const other = rec('WR-P1', { actual: [15978, 8000] });
    assert.deepEqual(planCorrection(head, other, recordContentHash(other), null), { outcome: 'corrected', revision: 3 });
    assert.deepEqual(planCorrection(head, other, recordContentHash(other), 2), { outcome: 'corrected', revision: 3 });
    assert.deepEqual(planCorrection(head, other, recordContentHash(other), '*'), { outcome: 'corrected', revision: 3 });
  });

  test('If-Match naming another revision → 412, identical content too; another order → 400', () => {
    assert.throws(() => planCorrection(head, doc, 'h-sent', 1), kind('precondition-failed'));
    const moved = rec('WR-P1', { order: 'WO-OTHER' });
    assert.throws(() => planCorrection(head, moved, recordContentHash(moved), null), kind('invalid-input'));
  });

  test('If-Match: "3", W/"3", 3 and * are read; anything else is a 400 naming the header', () => {
    assert.equal(parseIfMatch(undefined), null);
    assert.equal(parseIfMatch('"3"'), 3);
    assert.equal(parseIfMatch('W/"3"'), 3);
    assert.equal(parseIfMatch('3'), 3);
    assert.equal(parseIfMatch('*'), '*');
    for (const bad of ['"0"', 'abc', '"3", "4"', '-1', '']) {
      assert.throws(
        () => parseIfMatch(bad),
        (e: unknown) => e instanceof HubError && e.errors?.[0]?.path === '/headers/if-match',
        bad,
      );
    }
  });

  test('a record stored before revisions existed has one created line from its receipt', () => {
    assert.deepEqual(readHistory(undefined, T0, null), [
      { revision: 1, at: '2026-12-02T08:00:00.000Z', outcome: 'created', keyId: null, reason: null },
    ]);
  });
});

describe('correcting and voiding a record (use case)', () => {
  const correct = (
    store: ReturnType<typeof memoryCorrectionStore>,
    document: WorkRecordDocument,
    extra: { ifMatch?: number | null; agency?: string; path?: string; at?: number } = {},
  ) =>
    correctWorkRecord(
      store,
      {
        facilityId: FACILITY,
        keyId: 'k-fix',
        document,
        pathNumber: extra.path ?? document.workRecordIdentifier.number,
        agencyParam: extra.agency,
        ifMatch: extra.ifMatch ?? null,
      },
      () => extra.at ?? T0 + 60_000,
    );
  const voidIt = (store: ReturnType<typeof memoryCorrectionStore>, number: string, reason = 'turned back', at = T0 + 120_000) =>
    voidWorkRecord(store, { facilityId: FACILITY, keyId: 'k-void', number, reason }, () => at);

  test('corrected: the superseded revision is kept, the head moves to revision 2 at the correction time, figures derived once', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-1'), T0);
    const fixed = rec('WR-1', { actual: [15978, 7995.5] });
    const result = await correct(store, fixed);
    assert.deepEqual(result, { index: 0, workRecordNumber: 'WR-1', agency: 'AssignedBySender', outcome: 'corrected', revision: 2 });
    const head = store.heads.get('AssignedBySender#WR-1') ?? [...store.heads.values()][0]!;
    assert.equal(head.revision, 2);
    assert.equal(head.doc.productGroup[0]!.product[0]!.actualQuantity.value, 15978);
    assert.equal(head.modifiedAt, T0 + 60_000);
    assert.equal(head.receivedAt, T0, 'received when it was first submitted');
    assert.deepEqual(
      head.history.map((h) => [h.revision, h.outcome, h.keyId]),
      [
        [1, 'created', 'k-created'],
        [2, 'corrected', 'k-fix'],
      ],
    );
    const kept = store.saves[0]!.previous;
    assert.equal(kept.revision, 1);
    assert.equal(kept.doc.productGroup[0]!.product[0]!.actualQuantity.value, 8010);
    assert.deepEqual(store.derived, [[{ agency: 'AssignedBySender', number: 'WR-1' }]]);
    // Sent again: unchanged, nothing written, nothing derived.
    const again = await correct(store, fixed);
    assert.equal(again.outcome, 'unchanged');
    assert.equal(again.revision, 2);
    assert.equal(store.saves.length, 1);
    assert.equal(store.derived.length, 1);
  });

  test('404 for an unknown record; 400 when the number or ?agency= is not the body’s; 412 on a stale If-Match', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-2'), T0);
    await assert.rejects(correct(store, rec('WR-NOPE')), kind('not-found'));
    await assert.rejects(
      correct(store, rec('WR-2'), { path: 'WR-3' }),
      (e: HubError) => e.errors?.[0]?.path === '/workRecordIdentifier/number',
    );
    await assert.rejects(
      correct(store, rec('WR-2'), { agency: 'GS1' }),
      (e: HubError) => e.errors?.[0]?.path === '/queryStringParameters/agency',
    );
    const fixed = rec('WR-2', { note: 'fixed' });
    await assert.rejects(correct(store, fixed, { ifMatch: 2 }), kind('precondition-failed'));
    assert.equal(store.saves.length, 0);
    assert.equal((await correct(store, fixed, { ifMatch: 1 })).revision, 2);
    await assert.rejects(correct(store, rec('WR-2', { note: 'again' }), { ifMatch: 1 }), kind('precondition-failed'));
  });

  test('two racing corrections: the loser reads again — a new revision, or unchanged when identical; with If-Match a 412', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-3'), T0);
    const a = rec('WR-3', { note: 'a' });
    const b = rec('WR-3', { note: 'b' });
    store.hooks.race = () => {
      // Another request's correction lands between our read and our write (the store's write runs synchronously).
      const head = [...store.heads.values()][0]!;
      void store.saveRevision(
        nextRevision(head, {
          doc: a,
          contentHash: recordContentHash(a),
          documents: [],
          outcome: 'corrected',
          reason: null,
          keyId: 'k-a',
          at: T0 + 30_000,
        }),
      );
    };
    const result = await correct(store, b);
    assert.deepEqual([result.outcome, result.revision], ['corrected', 3], 'the loser read again and corrected the winner');
    const head = [...store.heads.values()][0]!;
    assert.equal(head.doc.groupDescription, 'b');
    assert.deepEqual(
      [...store.revisions.values()][0]!.map((r) => [r.revision, r.doc.groupDescription ?? null]),
      [
        [1, rec('WR-3').groupDescription ?? null],
        [2, 'a'],
      ],
      'every superseded revision kept once: none lost',
    );

    const twin = memoryCorrectionStore();
    twin.seed(FACILITY, rec('WR-4'), T0);
    const same = rec('WR-4', { note: 'same' });
    twin.hooks.race = () => {
      const h = [...twin.heads.values()][0]!;
      void twin.saveRevision(
        nextRevision(h, {
          doc: same,
          contentHash: recordContentHash(same),
          documents: [],
          outcome: 'corrected',
          reason: null,
          keyId: 'k-a',
          at: T0 + 1,
        }),
      );
    };
    assert.deepEqual(await correct(twin, same), {
      index: 0,
      workRecordNumber: 'WR-4',
      agency: 'AssignedBySender',
      outcome: 'unchanged',
      revision: 2,
    });

    const stale = memoryCorrectionStore();
    stale.seed(FACILITY, rec('WR-5'), T0);
    stale.hooks.race = () => {
      const head = [...stale.heads.values()][0]!;
      stale.heads.set([...stale.heads.keys()][0]!, { ...head, revision: 2 });
    };
    await assert.rejects(correct(stale, rec('WR-5', { note: 'x' }), { ifMatch: 1 }), kind('precondition-failed'));
  });

  test('a correction with a new inline Bill of Lading stores it; the earlier revision keeps its own, both listed by the view', async () => {
    const store = memoryCorrectionStore();
    const first = { documentId: `doc_${'a'.repeat(32)}`, fileName: 'BOL-1.pdf', contentType: 'application/pdf', size: 10, sha256: 'x' };
    store.seed(FACILITY, rec('WR-6'), T0, { documents: [first] });
    const fixed = rec('WR-6', { documents: [inlineDocument(pdf('corrected BOL'), 'pdf', { ticket: 'BOL-2' })] });
    assert.equal((await correct(store, fixed)).outcome, 'corrected');
    assert.equal(store.files.objects.size, 1, 'the new file is stored');
    const view = await getWorkRecord(store, { facilityId: FACILITY, number: 'WR-6' });
    assert.equal(view.revision, 2);
    assert.deepEqual(
      view.documents.map((d) => [d.revision, d.documentId === first.documentId]),
      [
        [2, false],
        [1, true],
      ],
    );
    const original = await getWorkRecord(store, { facilityId: FACILITY, number: 'WR-6', revision: 1 });
    assert.deepEqual(original.workRecord, rec('WR-6'));
    await assert.rejects(getWorkRecord(store, { facilityId: FACILITY, number: 'WR-6', revision: 3 }), kind('not-found'));
  });

  test('the table failing: the error reaches the caller and this attempt’s files are deleted', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-7'), T0);
    store.hooks.failNext = Object.assign(new Error('table refused'), { name: 'InternalServerError' });
    await assert.rejects(correct(store, rec('WR-7', { documents: [inlineDocument(pdf('x'), 'pdf')] })), /table refused/);
    assert.equal(store.files.objects.size, 0);
    assert.equal(store.heads.values().next().value!.revision, 1);
  });

  test('void → zeros and the comment; voided again → unchanged; a PUT makes it active again; history of three revisions', async () => {
    const store = memoryCorrectionStore();
    const original = rec('WR-8');
    store.seed(FACILITY, original, T0, { legacy: true });
    const voided = await voidIt(store, 'WR-8', 'turned back at the gate');
    assert.deepEqual(voided, { workRecordNumber: 'WR-8', agency: 'AssignedBySender', outcome: 'voided', revision: 2 });
    const head = [...store.heads.values()][0]!;
    assert.equal(head.recordStatus, 'voided');
    assert.ok(actualQuantities(head.doc).every(([, q]) => q.value === 0));
    assert.equal(head.doc.comments?.at(-1)?.comment, 'Voided: turned back at the gate');
    assert.deepEqual(await voidIt(store, 'WR-8', 'again'), {
      workRecordNumber: 'WR-8',
      agency: 'AssignedBySender',
      outcome: 'unchanged',
      revision: 2,
    });
    const back = await correct(store, original, { at: T0 + 180_000 });
    assert.deepEqual([back.outcome, back.revision], ['corrected', 3]);
    const view = await getWorkRecord(store, { facilityId: FACILITY, number: 'WR-8' });
    assert.equal(view.status, 'active');
    assert.deepEqual(
      view.history.map((h) => [h.revision, h.outcome, h.keyId, h.reason]),
      [
        [1, 'created', null, null],
        [2, 'voided', 'k-void', 'turned back at the gate'],
        [3, 'corrected', 'k-fix', null],
      ],
    );
    assert.deepEqual((await getWorkRecord(store, { facilityId: FACILITY, number: 'WR-8', revision: 1 })).workRecord, original);
    assert.equal(store.derived.length, 2, 'derived after the void and after the correction, not after the unchanged void');
  });

  test('a void needs a reason; an unknown record is 404; agencies sharing a number need ?agency=', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-9'), T0);
    store.seed(FACILITY, rec('WR-9', { agency: 'GS1' }), T0);
    await assert.rejects(voidIt(store, 'WR-NONE'), kind('not-found'));
    await assert.rejects(voidIt(store, 'WR-9'), kind('conflict'));
    await assert.rejects(voidIt(store, 'WR-9', '   '), kind('invalid-input'));
    const one = await voidWorkRecord(store, { facilityId: FACILITY, keyId: 'k', number: 'WR-9', agency: 'GS1', reason: 'x' }, () => T0 + 1);
    assert.equal(one.agency, 'GS1');
  });

  test('figures that cannot be derived now never fail the request', async () => {
    const store = memoryCorrectionStore();
    store.seed(FACILITY, rec('WR-10'), T0);
    store.failDerive = new Error('derive down');
    const warned: unknown[] = [];
    const result = await voidWorkRecord(
      store,
      { facilityId: FACILITY, keyId: 'k', number: 'WR-10', reason: 'x' },
      () => T0 + 1,
      (e) => warned.push(e),
    );
    assert.equal(result.outcome, 'voided');
    assert.equal(warned.length, 1);
  });
});

describe('the head item of a corrected record (store)', () => {
  const images = (item: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(item)
        .filter(([, v]) => typeof v === 'string')
        .map(([k, v]) => [k, { S: v as string }]),
    );

  test('the correction moves the head in the records stream (poll and webhooks serve it again) and keeps its place among its order’s records', () => {
    const store = memoryCorrectionStore();
    const created = store.seed(FACILITY, rec('WR-S'), T0);
    const fixed = rec('WR-S', { note: 'fixed' });
    const write = nextRevision(created, {
      doc: fixed,
      contentHash: recordContentHash(fixed),
      documents: [],
      outcome: 'corrected',
      reason: null,
      keyId: 'k',
      at: T0 + 60_000,
    });
    const before = recordPut({ state: created, doc: created.doc, documents: [] }).Put!.Item!;
    const after = recordHeadPut(write.next, 1).Put!.Item!;
    assert.deepEqual(movedInStream({ oldImage: images(before), newImage: images(after) }), { facilityId: FACILITY, stream: 'RECORDS' });
    assert.equal(after[TABLE.recordsByOrderIndex.sortKey], before[TABLE.recordsByOrderIndex.sortKey]);
    assert.equal(after.receivedAt, before.receivedAt);
    assert.equal(after.revision, 2);
    assert.equal(recordFromItem(after).modifiedAt, T0 + 60_000);
    // A record stored before revisions existed reads as revision 1, active, created when received.
    const { revision: _r, recordStatus: _s, history: _h, modifiedAt: _m, keyId: _k, ...old } = before;
    const legacy = recordFromItem(old);
    assert.deepEqual(
      [legacy.revision, legacy.recordStatus, legacy.modifiedAt, legacy.history.length, legacy.keyId],
      [1, 'active', T0, 1, null],
    );
  });
});

/**
 * What an older-form document sent that the canonical form cannot hold (its extras, from
 * fromLegacy): kept with orders, acknowledgements and records, part of their content (a change
 * only there is a change), stored as one item attribute, and served back by pollAnswer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import type { HubError } from '../../functions/domain/errors.ts';
import { type Extras, fromLegacy } from '../../functions/domain/legacy-form.ts';
import { planCorrection } from '../../functions/domain/record-revisions.ts';
import { recordContentHash, type WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { LIMITS } from '../../functions/shared/config.ts';
import { orderFromItem, orderItem } from '../../functions/store/order-store.ts';
import { recordFromItem, recordPut, recordRevisionPut } from '../../functions/store/record-store.ts';
import { acknowledgeWorkOrders } from '../../functions/use-cases/acknowledge-work-orders.ts';
import { correctWorkRecord, voidWorkRecord } from '../../functions/use-cases/correct-work-records.ts';
import { cancelWorkOrder, upsertWorkOrder } from '../../functions/use-cases/manage-work-order.ts';
import { POLLED_KINDS, pollAnswer } from '../../functions/use-cases/polled-kinds.ts';
import { pushWorkOrders } from '../../functions/use-cases/push-work-orders.ts';
import { submitWorkRecords } from '../../functions/use-cases/submit-work-records.ts';
import { workRecord } from '../support/records.ts';
import { memoryOrderStore } from './helpers/memory-order-store.ts';
import { memoryCorrectionStore } from './helpers/memory-record-correction-store.ts';
import { memoryRecordStore } from './helpers/memory-record-store.ts';
import { FACILITY, orderDoc, T0 } from './helpers/work-orders.ts';

type Obj = Record<string, any>;
const DIR = join(import.meta.dirname, '..', 'fixtures', 'dotnet');
const library = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'))[0];

const COUNTY: Extras = [{ at: '/parties/buyer/address/0', values: { County: 'Story', Township: 'Nevada' } }];
const OTHER_COUNTY: Extras = [{ at: '/parties/buyer/address/0', values: { County: 'Boone' } }];
const SENDER: Extras = [{ at: '/header/sender', party: { partyType: 'Seller' } }];
const id = (number: string) => identityKey('AssignedBySender', number);

describe('orders keep their extras', () => {
  test('created with them; a resend identical including them is unchanged; a change only in them is an update', async () => {
    const store = memoryOrderStore();
    const push = (extras: Extras | undefined, type: 'create' | 'update' = 'create') =>
      pushWorkOrders(store, { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-X', type })], extras: [extras] }, () => T0);

    assert.equal((await push(COUNTY)).results[0]!.outcome, 'created');
    assert.deepEqual(store.orders.get(id('WO-X'))!.extras, COUNTY);
    assert.equal((await push(COUNTY)).results[0]!.outcome, 'unchanged');
    // Same document, other extras: a create of other content is refused, an update changes the order.
    await assert.rejects(push(OTHER_COUNTY), /other content/);
    const updated = await push(OTHER_COUNTY, 'update');
    assert.deepEqual([updated.results[0]!.outcome, updated.results[0]!.revision], ['updated', 2]);
    assert.deepEqual(store.orders.get(id('WO-X'))!.extras, OTHER_COUNTY);
    // The canonical form sent again: nothing of the older form is left to serve.
    assert.equal((await push(undefined, 'update')).results[0]!.outcome, 'updated');
    assert.equal(store.orders.get(id('WO-X'))!.extras, undefined);
  });

  test('they count toward the stored size of the document: too large with them is a 413 naming it', async () => {
    const store = memoryOrderStore();
    const huge: Extras = [{ at: '/parties/buyer/address/0', values: { County: 'x'.repeat(LIMITS.maxStoredDocumentBytes) } }];
    await assert.rejects(
      pushWorkOrders(store, { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-L' })], extras: [huge] }, () => T0),
      (e: HubError) => e.kind === 'too-large' && e.errors?.[0]?.path === '/dispensingWorkOrder/0',
    );
    assert.equal(store.orders.size, 0);
  });

  test('the header’s extras follow the header: not content (a resend with other ones is unchanged)', async () => {
    const store = memoryOrderStore();
    await pushWorkOrders(store, { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-H' })], extras: [SENDER] }, () => T0);
    const again = await pushWorkOrders(store, { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-H' })] }, () => T0);
    assert.equal(again.results[0]!.outcome, 'unchanged');
    assert.deepEqual(store.orders.get(id('WO-H'))!.extras, SENDER);
  });

  test('PUT keeps them; DELETE cancels the order with its content and extras as they were', async () => {
    const store = memoryOrderStore();
    const document = orderDoc({ number: 'WO-P' });
    const { result } = await upsertWorkOrder(store, { facilityId: FACILITY, document, extras: COUNTY, pathNumber: 'WO-P' }, () => T0);
    assert.equal(result.outcome, 'created');
    assert.deepEqual(store.orders.get(id('WO-P'))!.extras, COUNTY);
    await cancelWorkOrder(store as never, { facilityId: FACILITY, number: 'WO-P', agency: 'AssignedBySender' }, () => T0 + 1);
    assert.equal(store.orders.get(id('WO-P'))!.status, 'cancelled');
    assert.deepEqual(store.orders.get(id('WO-P'))!.extras, COUNTY);
  });

  test('an acknowledgement keeps its own; an update of the order clears them with the acknowledgement', async () => {
    const store = memoryOrderStore();
    await pushWorkOrders(store, { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-A' })] }, () => T0);
    const ack = {
      header: orderDoc().header,
      workOrderIdentifier: { agency: 'AssignedBySender' as const, number: 'WO-A' },
      acknowledgeWorkOrderStatusCode: 'accepted' as const,
      acknowledgeWorkOrderDateTime: '2026-04-02T12:00:05.000Z',
    };
    await acknowledgeWorkOrders(store, { facilityId: FACILITY, acknowledgements: [ack], extras: [SENDER] }, () => T0 + 1);
    assert.deepEqual(store.orders.get(id('WO-A'))!.acknowledgementExtras, SENDER);
    await pushWorkOrders(
      store,
      { facilityId: FACILITY, documents: [orderDoc({ number: 'WO-A', type: 'update', pounds: 1 })] },
      () => T0 + 2,
    );
    assert.equal(store.orders.get(id('WO-A'))!.acknowledgementExtras, undefined);
  });

  test('stored as one attribute each, read back; an item without them reads as before', () => {
    const state = { ...orderStateOf('WO-S'), extras: COUNTY, acknowledgement: { a: 1 }, acknowledgementExtras: SENDER };
    const item = orderItem(state, 1);
    assert.equal(typeof item.extras, 'string');
    assert.deepEqual(orderFromItem(item).extras, COUNTY);
    assert.deepEqual(orderFromItem(item).acknowledgementExtras, SENDER);
    const { extras: _e, acknowledgementExtras: _a, ...old } = item;
    assert.equal('extras' in orderFromItem(old), false);
    assert.equal('extras' in orderItem({ ...state, extras: [], acknowledgementExtras: undefined }, 1), false);
  });
});

function orderStateOf(number: string) {
  const doc = orderDoc({ number });
  return {
    facilityId: FACILITY,
    agency: 'AssignedBySender',
    number,
    doc,
    status: 'open' as const,
    revision: 1,
    version: 0,
    lastErpChange: 'create' as const,
    createdAt: T0,
    modifiedAt: T0,
    updatedAt: T0,
  };
}

describe('records keep their extras', () => {
  const rec = (number: string) => workRecord(number) as unknown as WorkRecordDocument;

  test('part of the content hash (a record without extras hashes as it always has)', () => {
    const doc = rec('WR-H');
    assert.equal(recordContentHash(doc, []), recordContentHash(doc));
    assert.notEqual(recordContentHash(doc, COUNTY), recordContentHash(doc));
  });

  test('submitted with them: stored; the same again unchanged; other extras a conflict (a record is not changed by POST)', async () => {
    const store = memoryRecordStore();
    const submit = (extras: Extras | undefined) =>
      submitWorkRecords(store, { facilityId: FACILITY, keyId: 'k', records: [rec('WR-1')], extras: [extras] }, () => T0);
    assert.equal((await submit(COUNTY)).results[0]!.outcome, 'created');
    assert.deepEqual(store.saves[0]!.records[0]!.extras, COUNTY);
    assert.equal((await submit(COUNTY)).results[0]!.outcome, 'unchanged');
    await assert.rejects(submit(OTHER_COUNTY), /other content/);
  });

  test('a correction only in extras is a new revision; a void keeps them; the superseded revision keeps its own', async () => {
    const store = memoryCorrectionStore();
    const doc = rec('WR-2');
    store.seed(FACILITY, doc, T0);
    const correct = (extras: Extras | undefined, at: number) =>
      correctWorkRecord(store, { facilityId: FACILITY, keyId: 'k', document: doc, extras, pathNumber: 'WR-2', ifMatch: null }, () => at);
    assert.equal((await correct(undefined, T0 + 1)).outcome, 'unchanged');
    assert.deepEqual(await correct(COUNTY, T0 + 2).then((r) => [r.outcome, r.revision]), ['corrected', 2]);
    assert.equal((await correct(COUNTY, T0 + 3)).outcome, 'unchanged');
    await voidWorkRecord(store, { facilityId: FACILITY, keyId: 'k', number: 'WR-2', reason: 'wrong truck' }, () => T0 + 4);
    const head = [...store.heads.values()][0]!;
    assert.deepEqual([head.revision, head.recordStatus, head.extras], [3, 'voided', COUNTY]);
    const kept = [...store.revisions.values()][0]!;
    assert.deepEqual(
      kept.map((r) => [r.revision, r.extras ?? null]),
      [
        [1, null],
        [2, COUNTY],
      ],
    );
    // Without its extras, the same document is a change back (nothing the client sent is silently kept or lost).
    assert.equal(planCorrection({ ...head, recordStatus: 'active' }, head.doc, recordContentHash(head.doc), null).outcome, 'corrected');
  });

  test('stored on the head and on a kept revision, read back; items without them read as before', () => {
    const doc = rec('WR-3');
    const state = {
      facilityId: FACILITY,
      agency: 'AssignedBySender',
      number: 'WR-3',
      contentHash: recordContentHash(doc, COUNTY),
      orderAgency: 'AssignedBySender',
      orderNumber: doc.workOrderIdentifier.number,
      orderMatched: true,
      receivedAt: T0,
    };
    const head = recordPut({ state, doc, extras: COUNTY, documents: [] }).Put!.Item!;
    assert.deepEqual(recordFromItem(head).extras, COUNTY);
    assert.equal('extras' in recordPut({ state, doc, documents: [] }).Put!.Item!, false);
    const { extras: _e, ...old } = head;
    assert.equal('extras' in recordFromItem(old), false);
    const revision = recordRevisionPut(FACILITY, 'AssignedBySender', 'WR-3', {
      revision: 1,
      doc,
      extras: COUNTY,
      documents: [],
      contentHash: state.contentHash,
      at: T0,
      keyId: null,
      outcome: 'created',
      reason: null,
      recordStatus: 'active',
    }).Put!.Item!;
    assert.equal(revision.extras, JSON.stringify(COUNTY));
  });
});

describe('polls and webhooks serve them back (pollAnswer)', () => {
  test('in the older form each document with its own extras; canonical as before', () => {
    const sent = library('work-order-kept');
    const { document, extras } = fromLegacy('workOrder', sent, '/d/0');
    const stored = [{ ...orderStateOf('WO-NET-0004'), doc: document as never, extras }, orderStateOf('WO-PLAIN')];
    const legacy = pollAnswer(POLLED_KINDS.dispensingWorkOrder as never, stored, null, 'legacy').body as Obj[];
    assert.deepEqual(legacy[0], sent);
    assert.equal(legacy[1]!.Header.Sender.Identifier.length, 1);
    const canonical = pollAnswer(POLLED_KINDS.dispensingWorkOrder as never, stored, null, 'canonical').body as Obj;
    assert.ok(!JSON.stringify(canonical).includes('"County"'));
    const numeric = pollAnswer(POLLED_KINDS.dispensingWorkOrder as never, stored, null, 'legacy-numeric').body as Obj[];
    assert.equal(numeric[0]!.Header.Sender.Identifier.length, 2);
  });
});

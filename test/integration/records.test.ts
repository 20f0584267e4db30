/**
 * Work records and acknowledgements end to end over real HTTP: the local gateway, the
 * authorizer and the handlers against DynamoDB Local and the S3 emulator. One stack for
 * the file; each test uses a facility of its own.
 */

import assert from 'node:assert/strict';
import { beforeAll, describe, test } from 'vitest';
import { validateWorkRecord } from '../../functions/generated/validators.cjs';
import { type Bucket, bucketOf } from '../support/bucket.ts';
import { orders, workOrder } from '../support/documents.ts';
import { pdf, sha256 } from '../support/files.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import {
  acknowledgement,
  acknowledgements,
  DOCUMENT_ID,
  HUB_AGENCY,
  inlineDocument,
  records,
  reverseKeys,
  workRecord,
} from '../support/records.ts';
import { facilityNames, type KeyedClient, keyed, type SharedStack, settled, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
let bucket: Bucket;
let erp: KeyedClient;
let pcs: KeyedClient;
const FACILITIES = 30;
const names = facilityNames('R');
/** A facility of its own for each test (the PCS key covers the first FACILITIES of them). */
const facility = names.next;

beforeAll(async () => {
  stack = sharedStack();
  bucket = bucketOf(stack);
  erp = await keyed(stack, 'erp', ['*'], ['--name', 'records ERP']);
  pcs = await keyed(stack, 'pcs', names.first(FACILITIES), ['--name', 'records PCS']);
});

const ordersPath = (f: string) => `/facility/${f}/dispensingWorkorders`;
const recordsPath = (f: string) => `/facility/${f}/dispensingWorkRecords`;
const acksPath = (f: string) => `/facility/${f}/acknowledgeWorkOrderReceipt`;
const since = (iso: string) => `?lastExecutionDateTime=${encodeURIComponent(iso)}`;

/** The ERP's records poll (initial load without a time). */
async function pollRecords(f: string, from?: string): Promise<any[]> {
  const r = await erp.get(recordsPath(f) + (from ? since(from) : ''));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.dispensingWorkRecord as any[];
}

async function getOrder(f: string, number: string): Promise<any> {
  const r = await erp.get(`${ordersPath(f)}/${encodeURIComponent(number)}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const recordNumbers = (docs: any[]) => docs.map((d) => d.workRecordIdentifier.number);

describe('work record flow', () => {
  test('acknowledge, report two batches, complete: status, summaries, sums, polls and locks', async () => {
    // Prepare: the ERP pushes an order, the PCS loads it.
    const f = facility();
    const beforePush = new Date(Date.now() - 1000).toISOString();
    const pushed = await erp.post(ordersPath(f), orders(workOrder('WO-FLOW')));
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    await settled(stack);
    const load = await pcs.get(ordersPath(f));
    assert.deepEqual(
      load.body.dispensingWorkOrder.map((d: any) => d.workOrderIdentifier.number),
      ['WO-FLOW'],
    );
    const afterLoad = new Date().toISOString();

    // Act: the PCS accepts the order.
    const ack = acknowledgement('WO-FLOW', 'accepted');
    const acked = await pcs.post(acksPath(f), acknowledgements(ack));

    // Assess
    assert.equal(acked.status, 200, JSON.stringify(acked.body));
    assert.deepEqual(acked.body, { results: [{ index: 0, workOrderNumber: 'WO-FLOW', agency: 'AssignedBySender', status: 'accepted' }] });
    let one = await getOrder(f, 'WO-FLOW');
    assert.equal(one.status, 'accepted');
    assert.deepEqual(one.acknowledgement, ack);
    assert.deepEqual(one.records, []);

    // Act: batch 1 of 2, in progress.
    const recordsSince = new Date().toISOString();
    const first = workRecord('WR-FLOW-1', { order: 'WO-FLOW', status: 'inProgress', batch: [1, 2], actual: [8010, 7995.5] });
    const r1 = await pcs.post(recordsPath(f), records(first));
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.deepEqual(r1.body, {
      results: [{ index: 0, workRecordNumber: 'WR-FLOW-1', agency: 'AssignedBySender', outcome: 'created', orderMatched: true }],
    });
    one = await getOrder(f, 'WO-FLOW');
    assert.equal(one.status, 'inProgress');
    assert.deepEqual(one.acknowledgement, ack, 'the acknowledgement stays visible');

    // Act: batch 2 of 2, complete.
    const second = workRecord('WR-FLOW-2', { order: 'WO-FLOW', status: 'complete', batch: [2, 2], actual: [7990, 8004.25] });
    const r2 = await pcs.post(recordsPath(f), records(second));
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.deepEqual(r2.body.results, [
      { index: 0, workRecordNumber: 'WR-FLOW-2', agency: 'AssignedBySender', outcome: 'created', orderMatched: true },
    ]);

    // Assess: the order with its records and the sums per product.
    one = await getOrder(f, 'WO-FLOW');
    assert.equal(one.status, 'complete');
    assert.equal(one.revision, 1, 'PCS reports are not ERP revisions');
    assert.equal(one.records.length, 2);
    assert.deepEqual(
      one.records.map((r: any) => [
        r.workRecordIdentifier,
        r.orderStatus,
        r.batchNumber,
        r.numberOfBatches,
        r.workRecordCreationDateTime,
        r.documentIds,
      ]),
      [
        [{ agency: 'AssignedBySender', number: 'WR-FLOW-1' }, 'inProgress', 1, 2, first.workRecordCreationDateTime, []],
        [{ agency: 'AssignedBySender', number: 'WR-FLOW-2' }, 'complete', 2, 2, second.workRecordCreationDateTime, []],
      ],
    );
    for (const r of one.records) assert.ok(!Number.isNaN(Date.parse(r.receivedAt)), 'receivedAt is a time');
    assert.deepEqual(one.documents, []);
    const lbs = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' });
    const group = { agency: 'AssignedBySeller', number: 'BLEND-18-46-60', name: 'Corn starter 18-46-60' };
    assert.deepEqual(one.products, [
      {
        productGroup: group,
        product: { agency: 'AssignedBySeller', number: 'P-DAP', name: 'Diammonium phosphate 18-46-0' },
        requestedQuantity: lbs(16000),
        actualQuantity: [lbs(16000)],
        records: 2,
      },
      {
        productGroup: group,
        product: { agency: 'AssignedBySeller', number: 'P-POTASH', name: 'Muriate of potash 0-0-60' },
        requestedQuantity: lbs(16000),
        actualQuantity: [lbs(15999.75)],
        records: 2,
      },
    ]);

    // Assess: the ERP's records poll serves both, as pure standard documents: first with a
    // time (this key's first poll here is served from it), then the initial load.
    await settled(stack);
    for (const served of [await pollRecords(f, recordsSince), await pollRecords(f)]) {
      assert.deepEqual(recordNumbers(served), ['WR-FLOW-1', 'WR-FLOW-2']);
      for (const d of served) assert.ok(validateWorkRecord(d), JSON.stringify(validateWorkRecord.errors));
      assert.deepEqual(served, [first, second], 'served exactly as submitted: nothing of the hub added');
    }

    // Assess: PCS-caused changes do not re-serve the order to the PCS.
    const repoll = await pcs.get(ordersPath(f) + since(afterLoad));
    assert.equal(repoll.status, 200);
    assert.deepEqual(repoll.body.dispensingWorkOrder, [], 'acknowledgement and records re-served the order');
    // Control: a window that starts before the push serves it (the ERP key's first order poll here).
    const control = await erp.get(ordersPath(f) + since(beforePush));
    assert.deepEqual(
      control.body.dispensingWorkOrder.map((d: any) => d.workOrderIdentifier.number),
      ['WO-FLOW'],
    );

    // Act and assess: the ERP can no longer change the complete order.
    for (const type of ['update', 'hold', 'cancel'] as const) {
      const r = await erp.post(ordersPath(f), orders(workOrder('WO-FLOW', { type, quantity: 15000 })));
      assertProblem(r, 409);
      assert.deepEqual(errorPaths(r), ['/dispensingWorkOrder/0']);
    }
    one = await getOrder(f, 'WO-FLOW');
    assert.equal(one.status, 'complete');
    assert.equal(one.revision, 1);
    assert.equal(one.workOrder.productGroup[0].product[0].requestedQuantity.value, 16000);
  });
});

describe('acknowledgements', () => {
  test('a rejection with reasons is visible on the order', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-REJ')));
    const reasons = [
      { reasonCode: 'InsufficientInventory' as const, reason: 'Potash bin 3 is empty until Thursday.' },
      { reasonCode: 'EquipmentDown' as const, reason: 'Blender 2 is down for a bearing change.' },
    ];
    const ack = acknowledgement('WO-REJ', 'rejected', { reasons });

    // Act
    const r = await pcs.post(acksPath(f), acknowledgements(ack));

    // Assess
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results, [{ index: 0, workOrderNumber: 'WO-REJ', agency: 'AssignedBySender', status: 'rejected' }]);
    const one = await getOrder(f, 'WO-REJ');
    assert.equal(one.status, 'rejected');
    assert.deepEqual(one.acknowledgement.reasons, reasons);
    assert.deepEqual(one.acknowledgement, ack);
    const asPcs = await pcs.get(`${ordersPath(f)}/WO-REJ`);
    assert.equal(asPcs.body.status, 'rejected', 'the PCS sees it too');
  });

  test('an unknown order is 404 naming it, and a batch with one is all or nothing', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-KNOWN')));

    // Act
    const alone = await pcs.post(acksPath(f), acknowledgements(acknowledgement('WO-NOPE', 'accepted')));
    const mixed = await pcs.post(
      acksPath(f),
      acknowledgements(acknowledgement('WO-KNOWN', 'accepted'), acknowledgement('WO-NOPE', 'rejected')),
    );

    // Assess
    assertProblem(alone, 404);
    assert.deepEqual(errorPaths(alone), ['/acknowledgeWorkOrderReceipt/0/workOrderIdentifier']);
    assertProblem(mixed, 404);
    assert.deepEqual(errorPaths(mixed), ['/acknowledgeWorkOrderReceipt/1/workOrderIdentifier']);
    const one = await getOrder(f, 'WO-KNOWN');
    assert.equal(one.status, 'open', 'the known order of the failed batch was not acknowledged');
    assert.equal(one.acknowledgement, null);
  });
});

describe('records for orders the hub does not know', () => {
  test('are accepted unmatched and show on the order once the ERP creates it', async () => {
    // Prepare
    const f = facility();
    const record = workRecord('WR-EARLY', { order: 'WO-LATER', status: 'complete', batch: [1, 1], actual: [16020, 15980] });

    // Act
    const r = await pcs.post(recordsPath(f), records(record));
    const missing = await erp.get(`${ordersPath(f)}/WO-LATER`);
    const pushed = await erp.post(ordersPath(f), orders(workOrder('WO-LATER')));

    // Assess
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results, [
      { index: 0, workRecordNumber: 'WR-EARLY', agency: 'AssignedBySender', outcome: 'created', orderMatched: false },
    ]);
    assertProblem(missing, 404);
    assert.equal(pushed.body.results[0].outcome, 'created');
    const one = await getOrder(f, 'WO-LATER');
    assert.deepEqual(
      one.records.map((x: any) => x.workRecordIdentifier.number),
      ['WR-EARLY'],
    );
    assert.deepEqual(
      one.products.map((p: any) => [p.product.number, p.requestedQuantity.value, p.actualQuantity.map((q: any) => q.value)]),
      [
        ['P-DAP', 16000, [16020]],
        ['P-POTASH', 16000, [15980]],
      ],
    );
    await settled(stack);
    assert.deepEqual(await pollRecords(f), [record], 'the ERP polls it like any other');
  });

  test('the order, once created, has the status its early records reported: complete is locked, in progress too', async () => {
    // Prepare: one complete and one in-progress report, each before its order exists.
    const f = facility();
    const done = workRecord('WR-EARLY-DONE', { order: 'WO-DONE-FIRST', status: 'complete', batch: [1, 1], actual: [16020, 15980] });
    const started = workRecord('WR-EARLY-WIP', { order: 'WO-WIP-FIRST', status: 'inProgress', batch: [1, 2], actual: [8000, 8000] });
    assert.equal((await pcs.post(recordsPath(f), records(done, started))).status, 200);

    // Act
    const pushed = await erp.post(ordersPath(f), orders(workOrder('WO-DONE-FIRST'), workOrder('WO-WIP-FIRST'), workOrder('WO-PLAIN')));
    const cancel = await erp.post(ordersPath(f), orders(workOrder('WO-DONE-FIRST', { type: 'cancel' })));

    // Assess
    assert.deepEqual(
      pushed.body.results.map((r: any) => r.outcome),
      ['created', 'created', 'created'],
    );
    assert.equal((await getOrder(f, 'WO-DONE-FIRST')).status, 'complete');
    assert.equal((await getOrder(f, 'WO-WIP-FIRST')).status, 'inProgress');
    assert.equal((await getOrder(f, 'WO-PLAIN')).status, 'open');
    assertProblem(cancel, 409);
    await settled(stack);
    const pcsPoll = await pcs.get(ordersPath(f));
    assert.deepEqual(
      pcsPoll.body.dispensingWorkOrder.map((d: any) => d.workOrderIdentifier.number).sort(),
      ['WO-PLAIN', 'WO-WIP-FIRST'],
      'the initial load leaves the complete order out, as for any complete order',
    );
  });
});

describe('safe retries', () => {
  test('identical and reordered resubmissions are unchanged; other content under the same identity is 409', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-RETRY')));
    const record = workRecord('WR-RETRY', { order: 'WO-RETRY', batch: [1, 3] });
    const created = await pcs.post(recordsPath(f), records(record));
    assert.equal(created.body.results[0].outcome, 'created');

    // Act
    const retry = await pcs.post(recordsPath(f), records(record));
    const reordered = reverseKeys(records(record));
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(records(record)), 'the text differs');
    const retryReordered = await pcs.post(recordsPath(f), reordered);
    const clash = await pcs.post(recordsPath(f), records(workRecord('WR-RETRY', { order: 'WO-RETRY', batch: [1, 3], note: 'changed' })));
    const clashInBatch = await pcs.post(
      recordsPath(f),
      records(
        workRecord('WR-RETRY-NEW', { order: 'WO-RETRY', status: 'complete' }),
        workRecord('WR-RETRY', { order: 'WO-RETRY', actual: [1, 2] }),
      ),
    );

    // Assess
    const unchanged = [{ index: 0, workRecordNumber: 'WR-RETRY', agency: 'AssignedBySender', outcome: 'unchanged', orderMatched: true }];
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.deepEqual(retry.body.results, unchanged);
    assert.equal(retryReordered.status, 200, JSON.stringify(retryReordered.body));
    assert.deepEqual(retryReordered.body.results, unchanged, 'key order does not matter');
    assertProblem(clash, 409);
    assert.deepEqual(errorPaths(clash), ['/dispensingWorkRecord/0']);
    assertProblem(clashInBatch, 409);
    assert.deepEqual(errorPaths(clashInBatch), ['/dispensingWorkRecord/1']);

    await settled(stack);
    assert.deepEqual(await pollRecords(f), [record], 'one record, as first submitted');
    const one = await getOrder(f, 'WO-RETRY');
    assert.equal(one.status, 'inProgress', 'the complete record of the failed batch did not apply');
    assert.deepEqual(
      one.records.map((x: any) => x.workRecordIdentifier.number),
      ['WR-RETRY'],
    );
  });

  test('five concurrent identical submissions with an inline Bill of Lading: one created, one record, one stored file', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-TWINS')));
    const bytes = pdf(`Bill of Lading ${f}`);
    const body = JSON.stringify(
      records(
        workRecord('WR-TWINS', {
          order: 'WO-TWINS',
          status: 'complete',
          batch: [1, 1],
          documents: [inlineDocument(bytes, 'pdf', { ticket: 'BOL-77' })],
        }),
      ),
    );

    // Act
    const replies = await Promise.all(Array.from({ length: 5 }, () => pcs.post(recordsPath(f), body)));

    // Assess
    for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(replies.map((r) => r.body.results[0].outcome).sort(), ['created', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    assert.ok(replies.every((r) => r.body.results[0].orderMatched === true));
    await settled(stack);
    const served = await pollRecords(f);
    assert.deepEqual(recordNumbers(served), ['WR-TWINS']);
    const ids = served[0].associatedDocument[0].identifier as { agency: string; number: string }[];
    const hubId = ids.find((i) => i.agency === HUB_AGENCY)?.number ?? '';
    assert.match(hubId, DOCUMENT_ID);
    const one = await getOrder(f, 'WO-TWINS');
    assert.equal(one.status, 'complete');
    assert.deepEqual(
      one.documents.map((d: any) => [d.documentId, d.sha256, d.size]),
      [[hubId, sha256(bytes), bytes.length]],
    );
    // Nothing dangling: the losers' files were deleted, only the referenced one remains.
    assert.deepEqual(await bucket.keys(`documents/${f}/`), [`documents/${f}/${hubId}`]);
    assert.deepEqual(await bucket.keys(`uploads/${f}/`), []);
  });
});

describe('scope', () => {
  test('a PCS key cannot poll records; an ERP key cannot submit records or acknowledge', async () => {
    // Prepare
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-SCOPE')));

    // Act
    const pcsPoll = await pcs.get(recordsPath(f));
    const erpSubmit = await erp.post(recordsPath(f), records(workRecord('WR-SCOPE', { order: 'WO-SCOPE' })));
    const erpAck = await erp.post(acksPath(f), acknowledgements(acknowledgement('WO-SCOPE', 'accepted')));

    // Assess
    assertProblem(pcsPoll, 403);
    assertProblem(erpSubmit, 403);
    assertProblem(erpAck, 403);
    const one = await getOrder(f, 'WO-SCOPE');
    assert.equal(one.status, 'open');
    assert.deepEqual(one.records, []);
    assert.equal(one.acknowledgement, null);
  });
});

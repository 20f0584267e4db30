/**
 * The standard's older form through the API: documents shaped like each of the standard's
 * six sample files (our own fixtures) are accepted, served back canonical and schema-valid,
 * and served in the older form to a key that asks for it.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { validateWorkOrder, validateWorkRecord } from '../../functions/generated/validators.cjs';
import { ROOT } from '../support/local-stack.ts';
import { settled, useSharedStack } from '../support/shared-stack.ts';

const CASES = ['blended', 'single', 'vrt'] as const;
const fixture = (form: 'legacy' | 'canonical', name: string): any =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', form, `${name}.json`), 'utf8'));

const F = 'LEGACY-PLANT';

const ctx = useSharedStack({
  erp: ['erp', [F]],
  pcs: ['pcs', [F]],
  // The sample files' integer form is legacy-numeric since legacy became what the .NET library reads.
  legacyErp: ['erp', [F], ['--format', 'legacy-numeric']],
  legacyPcs: ['pcs', [F], ['--format', 'legacy-numeric']],
});

const orders = `/facility/${F}/dispensingWorkorders`;
const records = `/facility/${F}/dispensingWorkRecords`;
const byNumber = (docs: any[], key = 'workOrderIdentifier') => new Map(docs.map((d) => [d[key].number ?? d[key].Number, d]));

describe('the older form, end to end', () => {
  test('orders shaped like the three sample files are accepted (bare arrays, as the samples are)', async () => {
    for (const name of CASES) {
      const r = await ctx.erp.post(orders, fixture('legacy', `work-order-${name}`));
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      assert.equal(r.body.results[0].outcome, 'created');
    }
    await settled(ctx.stack);
  });

  test('they are served back canonical, schema-valid and equal to the canonical fixtures', async () => {
    const r = await ctx.pcs.get(orders);
    const served = byNumber(r.body.dispensingWorkOrder);
    for (const name of CASES) {
      const want = fixture('canonical', `work-order-${name}`);
      const got = served.get(want.workOrderIdentifier.number);
      assert.ok(validateWorkOrder(got), JSON.stringify(validateWorkOrder.errors));
      assert.deepEqual(got, want);
    }
  });

  test('a key made with --format legacy-numeric gets the older form: a bare array equal to the legacy fixtures', async () => {
    const r = await ctx.legacyPcs.get(orders);
    assert.ok(Array.isArray(r.body), 'a bare array');
    const served = byNumber(r.body, 'WorkOrderIdentifier');
    for (const name of CASES) {
      const [want] = fixture('legacy', `work-order-${name}`);
      assert.deepEqual(served.get(want.WorkOrderIdentifier.Number), want);
    }
  });

  test('format= on the query overrides the key default either way; anything else is 400', async () => {
    const legacy = await ctx.pcs.get(`${orders}?format=legacy`);
    assert.ok(Array.isArray(legacy.body) && 'WorkOrderIdentifier' in legacy.body[0]);
    const canonical = await ctx.legacyPcs.get(`${orders}?format=canonical`);
    assert.ok(Array.isArray(canonical.body.dispensingWorkOrder));
    const bad = await ctx.pcs.get(`${orders}?format=xml`);
    assert.equal(bad.status, 400);
  });

  test('records shaped like the three sample files are accepted and served in both forms', async () => {
    for (const name of CASES) {
      const r = await ctx.pcs.post(records, fixture('legacy', `work-record-${name}`));
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      assert.equal(r.body.results[0].orderMatched, true);
    }
    await settled(ctx.stack);
    const canonical = byNumber((await ctx.erp.get(records)).body.dispensingWorkRecord, 'workRecordIdentifier');
    const legacy = byNumber((await ctx.legacyErp.get(records)).body, 'WorkRecordIdentifier');
    for (const name of CASES) {
      const want = fixture('canonical', `work-record-${name}`);
      const got = canonical.get(want.workRecordIdentifier.number);
      assert.ok(validateWorkRecord(got), JSON.stringify(validateWorkRecord.errors));
      assert.deepEqual(got, want);
      const [wantLegacy] = fixture('legacy', `work-record-${name}`);
      assert.deepEqual(legacy.get(wantLegacy.WorkRecordIdentifier.Number), wantLegacy);
    }
  });

  test('an acknowledgement in the older form is accepted', async () => {
    const ack = fixture('legacy', 'acknowledgement');
    const r = await ctx.pcs.post(`/facility/${F}/acknowledgeWorkOrderReceipt`, ack);
    assert.equal(r.status, 200, r.text);
    const one = await ctx.erp.get(`${orders}/${encodeURIComponent(ack[0].WorkOrderIdentifier.Number)}`);
    assert.deepEqual(one.body.acknowledgement, fixture('canonical', 'acknowledgement'));
  });

  test('an unknown integer code is a 400 naming the field as sent and the accepted values', async () => {
    const [doc] = fixture('legacy', 'work-order-single');
    doc.WorkOrderIdentifier.Number = 'LEGACY-BAD-1';
    doc.PhysicalState = 7;
    const r = await ctx.erp.post(orders, [doc]);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    const err = r.body.errors.find((e: any) => e.path === '/dispensingWorkOrder/0/PhysicalState');
    assert.ok(err, JSON.stringify(r.body.errors));
    assert.match(err.message, /0 \(dry\).*1 \(liquid\)/);
  });

  test('schema errors in an older-form document point at the paths as the client sent them', async () => {
    const [doc] = fixture('legacy', 'work-order-single');
    doc.WorkOrderIdentifier.Number = 'LEGACY-BAD-2';
    delete doc.ProductGroup[0].Product[0].RequestedQuantity;
    doc.Header.Sender.Identifier[0].Number = '';
    const r = await ctx.erp.post(orders, [fixture('canonical', 'work-order-blended'), doc]);
    assert.equal(r.status, 400, r.text);
    const paths = r.body.errors.map((e: any) => e.path);
    assert.ok(paths.includes('/dispensingWorkOrder/1/ProductGroup/0/Product/0/RequestedQuantity'), paths.join());
    assert.ok(paths.includes('/dispensingWorkOrder/1/Header/Sender/Identifier/0/Number'), paths.join());
  });

  test('a batch may mix the two forms, decided per document', async () => {
    const [legacy] = fixture('legacy', 'work-order-vrt');
    legacy.WorkOrderIdentifier.Number = 'MIX-1';
    const canonical = fixture('canonical', 'work-order-single');
    canonical.workOrderIdentifier.number = 'MIX-2';
    const r = await ctx.erp.post(orders, { dispensingWorkOrder: [legacy, canonical] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.body.results.map((x: any) => x.outcome),
      ['created', 'created'],
    );
  });
});

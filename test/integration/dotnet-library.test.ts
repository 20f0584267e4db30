/**
 * The standard's .NET library as a real client, through the API: what it writes (our
 * byte-exact fixtures) is accepted, and what the hub serves in the legacy form reads under the
 * library's rules (test/support/net-library.ts) with every field equal, in both directions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { ROOT } from '../support/local-stack.ts';
import { type NetKind, netParse, netView } from '../support/net-library.ts';
import { settled, useSharedStack } from '../support/shared-stack.ts';

const F = 'DOTNET-PLANT';
const bytes = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'dotnet', `${name}.json`), 'utf8');
const orders = `/facility/${F}/dispensingWorkorders`;
const records = `/facility/${F}/dispensingWorkRecords`;

const ctx = useSharedStack({
  erp: ['erp', [F]],
  erpChicago: ['erp', [F], ['--time-zone', 'America/Chicago']],
  pcs: ['pcs', [F]],
  netPcs: ['pcs', [F], ['--format', 'legacy']],
  netErp: ['erp', [F], ['--format', 'legacy']],
});

/** The library's reading of one served document, and of the fixture it came from. */
function sameForTheLibrary(kind: NetKind, servedText: string, fixture: string, key: 'WorkOrderIdentifier' | 'WorkRecordIdentifier'): void {
  const served = netParse(kind, servedText); // throws where the library would return null for the batch
  assert.deepEqual(served.ignored, [], 'the library ignores nothing the hub serves');
  const want = netParse(kind, bytes(fixture));
  const number = (want.documents[0] as any)[key].Number;
  const got = netView(kind, served.documents).find((d: any) => d[key].Number === number);
  assert.deepEqual(got, netView(kind, want.documents)[0]);
}

describe('the .NET library as a client', () => {
  test('an order its serializer wrote is accepted as sent (bytes, CRLF and all), without warnings', async () => {
    const r = await ctx.erp.post(orders, bytes('work-order'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.results, [
      { index: 0, workOrderNumber: 'WO-NET-0001', agency: 'AssignedBySender', outcome: 'created', revision: 1 },
    ]);
  });

  test('polled back in the legacy form, it deserializes under the library rules with every field equal', async () => {
    await settled(ctx.stack);
    const r = await ctx.netPcs.get(orders);
    assert.equal(r.status, 200, r.text);
    sameForTheLibrary('DispensingWorkOrder', r.text, 'work-order', 'WorkOrderIdentifier');
    assert.match(r.text, /"OrderStatus"|"WorkOrderType":"Create"/);
  });

  test('a record it wrote is accepted and polled back by the ERP the same way', async () => {
    const r = await ctx.pcs.post(records, bytes('work-record'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.results[0].orderMatched, true);
    await settled(ctx.stack);
    const polled = await ctx.netErp.get(records);
    sameForTheLibrary('DispensingWorkRecord', polled.text, 'work-record', 'WorkRecordIdentifier');
    const one = await ctx.erp.get(`${orders}/WO-NET-0001`);
    assert.equal(one.body.status, 'inProgress');
  });

  test('?format=legacy-numeric serves the sample files’ integers; ?format=legacy the names', async () => {
    const numeric = await ctx.pcs.get(`${orders}?format=legacy-numeric`);
    const order = numeric.body.find((d: any) => d.WorkOrderIdentifier.Number === 'WO-NET-0001');
    assert.equal(order.WorkOrderIdentifier.Agency, 3);
    assert.equal(order.PhysicalState, 0);
    const names = await ctx.pcs.get(`${orders}?format=legacy`);
    assert.equal(names.body.find((d: any) => d.WorkOrderIdentifier.Number === 'WO-NET-0001').PhysicalState, 'Dry');
  });

  test('what the canonical form cannot hold is accepted and named in the result’s warnings', async () => {
    const r = await ctx.erp.post(orders, bytes('work-order-dropped'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.body.results[0].warnings.map((w: any) => w.path),
      [
        '/dispensingWorkOrder/0/Header/Sender/Identifier/1',
        '/dispensingWorkOrder/0/Header/Sender/PartyType',
        '/dispensingWorkOrder/0/Parties/Buyer/Address/0/County',
        '/dispensingWorkOrder/0/Parties/Buyer/Address/0/Township',
      ],
    );
  });

  test('…and kept: pushed in the library’s form, polled back with format=legacy it equals what was sent, field by field', async () => {
    const r = await ctx.erp.post(orders, bytes('work-order-kept'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.results[0].outcome, 'created');
    assert.ok(r.body.results[0].warnings.some((w: any) => w.path === '/dispensingWorkOrder/0/Header/Sender/Contact'));
    // Canonical answers cannot hold them: unchanged, with the warnings.
    const one = await ctx.erp.get(`${orders}/WO-NET-0004`);
    assert.ok(!one.text.includes('"County"') && !one.text.includes('0614141000029'));
    await settled(ctx.stack);
    const polled = await ctx.pcs.get(`${orders}?format=legacy`);
    assert.equal(polled.status, 200, polled.text);
    sameForTheLibrary('DispensingWorkOrder', polled.text, 'work-order-kept', 'WorkOrderIdentifier');
    const served = JSON.parse(polled.text).find((d: any) => d.WorkOrderIdentifier.Number === 'WO-NET-0004');
    assert.deepEqual(served, JSON.parse(bytes('work-order-kept'))[0], 'member for member as the library wrote it');
    // The same again is unchanged; a change only in what the canonical form cannot hold is an update.
    assert.equal((await ctx.erp.post(orders, bytes('work-order-kept'))).body.results[0].outcome, 'unchanged');
    const moved = bytes('work-order-kept')
      .replace('"County": "Estevan No. 5"', '"County": "Estevan No. 6"')
      .replace('"Create"', '"Update"');
    const update = await ctx.erp.post(orders, moved);
    assert.deepEqual([update.body.results[0].outcome, update.body.results[0].revision], ['updated', 2]);
    await settled(ctx.stack);
    const again = await ctx.netPcs.get(orders);
    const updated = JSON.parse(again.text).find((d: any) => d.WorkOrderIdentifier.Number === 'WO-NET-0004');
    assert.equal(updated.Parties.ShipTo.Address[0].County, 'Estevan No. 6');
    // legacy-numeric: what its form has (every header identifier), nothing it has no place for.
    const numeric = (await ctx.pcs.get(`${orders}?format=legacy-numeric`)).body.find(
      (d: any) => d.WorkOrderIdentifier.Number === 'WO-NET-0004',
    );
    assert.deepEqual(
      numeric.Header.Sender.Identifier.map((i: any) => i.Number),
      ['PRC-ERP', '0614141000029'],
    );
    assert.equal(numeric.Header.Sender.PartyType, undefined);
  });

  test('an acknowledgement with a sender party is accepted with its warnings (the older form serves no acknowledgement back)', async () => {
    const [ack] = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'legacy', 'acknowledgement.json'), 'utf8'));
    ack.WorkOrderIdentifier = { Agency: 'AssignedBySender', Number: 'WO-NET-0004' };
    ack.Header.Sender.Identifier.push({ Agency: 'GLN', Number: '0614141000050' });
    ack.Header.Sender.PartyType = 'Dispenser';
    ack.Header.Sender.Contact = [{ Name: 'Blend desk', Phone: '(515) 555-0142' }];
    const r = await ctx.pcs.post(`/facility/${F}/acknowledgeWorkOrderReceipt`, [ack]);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.body.results[0].warnings.map((w: any) => w.path),
      [
        '/acknowledgeWorkOrderReceipt/0/Header/Sender/Identifier/1',
        '/acknowledgeWorkOrderReceipt/0/Header/Sender/PartyType',
        '/acknowledgeWorkOrderReceipt/0/Header/Sender/Contact',
      ],
    );
  });

  test('a record with a sender party and County/Township: polled back with format=legacy, equal but for the Bill of Lading reference', async () => {
    const r = await ctx.pcs.post(records, bytes('work-record-kept'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.results[0].outcome, r.body.results[0].orderMatched], ['created', true]);
    assert.ok(r.body.results[0].warnings.some((w: any) => w.path === '/dispensingWorkRecord/0/Parties/Carrier/Address/0/Township'));
    await settled(ctx.stack);
    const polled = await ctx.netErp.get(records);
    const read = netParse('DispensingWorkRecord', polled.text);
    assert.deepEqual(read.ignored, []);
    const want = netView('DispensingWorkRecord', netParse('DispensingWorkRecord', bytes('work-record-kept')).documents)[0] as any;
    const got = netView('DispensingWorkRecord', read.documents).find(
      (d: any) => d.WorkRecordIdentifier.Number === 'WR-NET-0001-1-K',
    ) as any;
    // The one difference: the Bill of Lading's bytes are stored, and the record names them by a document reference.
    const [sentDoc] = want.AssociatedDocument;
    const [servedDoc] = got.AssociatedDocument;
    assert.deepEqual(servedDoc.Identifier[0], sentDoc.Identifier[0]);
    assert.match(servedDoc.Identifier[1].Number, /^doc_/);
    assert.equal(servedDoc.File, undefined);
    assert.deepEqual({ ...got, AssociatedDocument: null }, { ...want, AssociatedDocument: null });
    assert.equal(got.Header.Sender.Identifier.length, 2);
    assert.equal(got.Parties.Carrier.Address[0].Township, 'Washington');
    // Resent as it was: unchanged (its extras are part of its content).
    assert.equal((await ctx.pcs.post(records, bytes('work-record-kept'))).body.results[0].outcome, 'unchanged');
  });

  test("fi-FI writes '.' as its time separator: read as the same instant", async () => {
    const fi = bytes('work-order')
      .replace('"WO-NET-0001"', '"WO-NET-FI"')
      .replace('"DispensingStartDateTime": "2026-03-17T07:00:00.000-05:00"', '"DispensingStartDateTime": "2026-03-17T15.00.00.000+03:00"');
    assert.match(fi, /15\.00\.00\.000\+03:00/);
    const r = await ctx.erp.post(orders, fi);
    assert.equal(r.status, 200, r.text);
    const one = await ctx.erp.get(`${orders}/WO-NET-FI`);
    assert.equal(Date.parse(one.body.workOrder.dispensingStartDateTime), Date.parse('2026-03-17T07:00:00.000-05:00'));
  });

  test('th-TH writes Buddhist-era years: a 400 naming the field, nothing stored', async () => {
    const th = bytes('work-order')
      .replace('"WO-NET-0001"', '"WO-NET-TH"')
      .replace('"DispensingStartDateTime": "2026-03-17T07:00:00.000-05:00"', '"DispensingStartDateTime": "2569-03-17T19:00:00.000+07:00"');
    assert.match(th, /2569-03-17/);
    const r = await ctx.erp.post(orders, th);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(
      r.body.errors.map((e: any) => e.path),
      ['/dispensingWorkOrder/0/DispensingStartDateTime'],
    );
    assert.match(r.body.errors[0].message, /within 100 years/);
    assert.equal((await ctx.erp.get(`${orders}/WO-NET-TH`)).status, 404);
  });

  test('a Json.NET document with zone-less date-times: 400 saying how to fix it without a key zone', async () => {
    const r = await ctx.erp.post(orders, bytes('work-order-jsonnet'));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.match(r.body.detail, /--time-zone/);
    assert.ok(r.body.errors.some((e: any) => e.path === '/dispensingWorkOrder/0/WorkOrderCreationDateTime'));
  });

  test('and accepted for a key made with --time-zone America/Chicago, read in that zone', async () => {
    const r = await ctx.erpChicago.post(orders, bytes('work-order-jsonnet'));
    assert.equal(r.status, 200, r.text);
    const one = await ctx.erp.get(`${orders}/WO-NET-0003`);
    assert.equal(one.body.workOrder.workOrderCreationDateTime, '2026-03-16T06:41:57.204-05:00');
    assert.equal(one.body.workOrder.dispensingStartDateTime, '2026-11-01T01:30:00.000-05:00');
  });

  test('keys refuse a zone that is not IANA and list the zone they have', async () => {
    await assert.rejects(ctx.stack.createKey('erp', [F], ['--time-zone', 'CST6']), /IANA/);
    const listed = await ctx.stack.keys(['list', '--json']);
    assert.ok(JSON.parse(listed.stdout).some((k: any) => k.timeZone === 'America/Chicago'));
  });
});

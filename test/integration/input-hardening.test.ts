/**
 * Hostile and unusual input end to end over real HTTP: values past DynamoDB's key limits.
 * Every such request is answered 4xx problem+json and writes nothing.
 */

import assert from 'node:assert/strict';
import { beforeAll, describe, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { client, sleep } from '../support/local-stack.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { type SharedStack, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
let erpKey: string;
let pcsKey: string;
let counter = 0;
const PREFIX = `IH-${process.pid}`;
/** A facility of its own for each test. */
const facility = () => `${PREFIX}-${++counter}`;
const SETTLE_MS = 150;

beforeAll(async () => {
  stack = sharedStack();
  erpKey = await stack.createKey('erp', ['*'], ['--name', 'input hardening ERP']);
  pcsKey = await stack.createKey(
    'pcs',
    Array.from({ length: 20 }, (_, i) => `${PREFIX}-${i + 1}`),
  );
});

const erp = () => client(stack.baseUrl, erpKey);
const pcs = () => client(stack.baseUrl, pcsKey);
const ordersPath = (f: string) => `/facility/${f}/dispensingWorkorders`;
const orderPath = (f: string, number: string) => `${ordersPath(f)}/${encodeURIComponent(number)}`;

/** Every order the facility's poll serves from the beginning (the initial load). */
async function polledNumbers(f: string): Promise<string[]> {
  await sleep(SETTLE_MS);
  const r = await pcs().get(ordersPath(f));
  assert.equal(r.status, 200, r.text);
  return (r.body.dispensingWorkOrder as { workOrderIdentifier: { number: string } }[]).map((d) => d.workOrderIdentifier.number);
}
describe('client input that reaches DynamoDB keys (finding 1)', () => {
  test('an agency outside the code list is 400 naming /queryStringParameters/agency, never a 500', async () => {
    const f = facility();
    assert.equal((await erp().post(ordersPath(f), orders(workOrder('WO-1')))).status, 200);
    const agencies = ['A'.repeat(1014), '€'.repeat(338), 'A'.repeat(4096), '😀'.repeat(300), 'Nope', 'assignedbysender', ''];
    for (const agency of agencies) {
      const r = await erp().get(`${orderPath(f, 'WO-1')}?agency=${encodeURIComponent(agency)}`);
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/queryStringParameters/agency'], `agency of ${agency.length} code units`);
    }
  });

  test('an agency of the code list still selects the order', async () => {
    const f = facility();
    assert.equal((await erp().post(ordersPath(f), orders(workOrder('WO-1')))).status, 200);
    assert.equal((await erp().get(`${orderPath(f, 'WO-1')}?agency=AssignedBySender`)).status, 200);
    assertProblem(await erp().get(`${orderPath(f, 'WO-1')}?agency=Custom`), 404);
  });

  test('numbers at the 128-character limit work end to end: ASCII, €, # and astral characters', async () => {
    const f = facility();
    const numbers = ['N'.repeat(128), '€'.repeat(128), '#'.repeat(128), '%'.repeat(128), '😀'.repeat(128), `${'\u{10FFFF}'.repeat(127)}#`];
    const pushed = await erp().post(ordersPath(f), orders(...numbers.map((n) => workOrder(n, { agency: 'AssignedByManufacturer' }))));
    assert.equal(pushed.status, 200, pushed.text);
    for (const number of numbers) {
      const one = await erp().get(orderPath(f, number));
      assert.equal(one.status, 200, `${[...number].length} characters, ${Buffer.byteLength(number)} bytes: ${one.text}`);
      assert.equal(one.body.workOrder.workOrderIdentifier.number, number);
      assert.equal((await erp().get(`${orderPath(f, number)}?agency=AssignedByManufacturer`)).status, 200);
    }
    // A record at the limit, for the astral order: its own keys and the order's records index.
    const astral = numbers[4]!;
    const rec = await pcs().post(
      `/facility/${f}/dispensingWorkRecords`,
      records(workRecord('🧪'.repeat(128), { order: astral, orderAgency: 'AssignedByManufacturer' })),
    );
    assert.equal(rec.status, 200, rec.text);
    const withRecord = await erp().get(orderPath(f, astral));
    assert.equal(withRecord.body.records.length, 1, withRecord.text);
    assert.equal(withRecord.body.records[0].workRecordIdentifier.number, '🧪'.repeat(128));
    assert.deepEqual((await polledNumbers(f)).sort(), [...numbers].sort());
  });

  test('a path number the schema could never accept is 400 naming /pathParameters/workOrderNumber', async () => {
    const f = facility();
    for (const number of ['N'.repeat(129), '€'.repeat(129), '😀'.repeat(129), 'A'.repeat(4096), 'WO\u0001-1']) {
      const r = await erp().get(orderPath(f, number));
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/pathParameters/workOrderNumber'], `${number.length} code units`);
    }
  });

  test('a number over 128 characters in a body is refused, counted in characters as the path is', async () => {
    const f = facility();
    for (const number of ['€'.repeat(129), '😀'.repeat(129)]) {
      const r = await erp().post(ordersPath(f), orders(workOrder(number)));
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/dispensingWorkOrder/0/workOrderIdentifier/number']);
    }
    assert.deepEqual(await polledNumbers(f), []);
  });
});

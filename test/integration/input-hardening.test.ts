/**
 * Hostile and unusual input end to end over real HTTP: values past DynamoDB's key limits,
 * malformed percent-encoding and over-long request heads at the local gateway, and text
 * that is not well-formed Unicode. Every such request is answered 4xx problem+json and
 * writes nothing. Raw requests go through node:http or a socket (fetch would normalise them).
 */

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { beforeAll, describe, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { assertProblem, errorPaths, type ProblemReply } from '../support/problems.ts';
import { acknowledgement, acknowledgements, records, workRecord } from '../support/records.ts';
import { type KeyedClient, keyed, type SharedStack, settled, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
let erp: KeyedClient;
let pcs: KeyedClient;
let counter = 0;
const PREFIX = `IH-${process.pid}`;
/** A facility of its own for each test. */
const facility = () => `${PREFIX}-${++counter}`;

beforeAll(async () => {
  stack = sharedStack();
  erp = await keyed(stack, 'erp', ['*'], ['--name', 'input hardening ERP']);
  pcs = await keyed(
    stack,
    'pcs',
    Array.from({ length: 20 }, (_, i) => `${PREFIX}-${i + 1}`),
  );
});

const ordersPath = (f: string) => `/facility/${f}/dispensingWorkorders`;
const orderPath = (f: string, number: string) => `${ordersPath(f)}/${encodeURIComponent(number)}`;

interface RawReply extends ProblemReply {
  text: string;
}

function toReply(status: number, headers: Record<string, string | string[] | undefined>, text: string): RawReply {
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status, headers: h, body, text };
}

/** A request with the path exactly as given (node:http sends it unchanged) and an optional raw body. */
function rawRequest(method: string, path: string, options: { key?: string; body?: Buffer; headers?: Record<string, string> } = {}) {
  const { hostname, port } = new URL(stack.baseUrl);
  const headers: Record<string, string> = { ...(options.key ? { 'x-api-key': options.key } : {}), ...options.headers };
  if (options.body) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(options.body.length);
  }
  return new Promise<RawReply>((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes written to a socket as they are: a request node:http itself would refuse to send. */
function socketRequest(head: Buffer): Promise<RawReply> {
  const { hostname, port } = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const cut = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, cut).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve(toReply(Number(statusLine.split(' ')[1]), headers, text.slice(cut + 4)));
    });
  });
}

/** Every order the facility's poll serves from the beginning (the initial load). */
async function polledNumbers(f: string): Promise<string[]> {
  await settled(stack);
  const r = await pcs.get(ordersPath(f));
  assert.equal(r.status, 200, r.text);
  return (r.body.dispensingWorkOrder as { workOrderIdentifier: { number: string } }[]).map((d) => d.workOrderIdentifier.number);
}

describe('client input that reaches DynamoDB keys (finding 1)', () => {
  test('an agency outside the code list is 400 naming /queryStringParameters/agency, never a 500', async () => {
    const f = facility();
    assert.equal((await erp.post(ordersPath(f), orders(workOrder('WO-1')))).status, 200);
    const agencies = ['A'.repeat(1014), '€'.repeat(338), 'A'.repeat(4096), '😀'.repeat(300), 'Nope', 'assignedbysender', ''];
    for (const agency of agencies) {
      const r = await erp.get(`${orderPath(f, 'WO-1')}?agency=${encodeURIComponent(agency)}`);
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/queryStringParameters/agency'], `agency of ${agency.length} code units`);
    }
  });

  test('an agency of the code list still selects the order', async () => {
    const f = facility();
    assert.equal((await erp.post(ordersPath(f), orders(workOrder('WO-1')))).status, 200);
    assert.equal((await erp.get(`${orderPath(f, 'WO-1')}?agency=AssignedBySender`)).status, 200);
    assertProblem(await erp.get(`${orderPath(f, 'WO-1')}?agency=Custom`), 404);
  });

  test('numbers at the 128-character limit work end to end: ASCII, €, # and astral characters', async () => {
    const f = facility();
    const numbers = ['N'.repeat(128), '€'.repeat(128), '#'.repeat(128), '%'.repeat(128), '😀'.repeat(128), `${'\u{10FFFF}'.repeat(127)}#`];
    const pushed = await erp.post(ordersPath(f), orders(...numbers.map((n) => workOrder(n, { agency: 'AssignedByManufacturer' }))));
    assert.equal(pushed.status, 200, pushed.text);
    for (const number of numbers) {
      const one = await erp.get(orderPath(f, number));
      assert.equal(one.status, 200, `${[...number].length} characters, ${Buffer.byteLength(number)} bytes: ${one.text}`);
      assert.equal(one.body.workOrder.workOrderIdentifier.number, number);
      assert.equal((await erp.get(`${orderPath(f, number)}?agency=AssignedByManufacturer`)).status, 200);
    }
    // A record at the limit, for the astral order: its own keys and the order's records index.
    const astral = numbers[4]!;
    const rec = await pcs.post(
      `/facility/${f}/dispensingWorkRecords`,
      records(workRecord('🧪'.repeat(128), { order: astral, orderAgency: 'AssignedByManufacturer' })),
    );
    assert.equal(rec.status, 200, rec.text);
    const withRecord = await erp.get(orderPath(f, astral));
    assert.equal(withRecord.body.records.length, 1, withRecord.text);
    assert.equal(withRecord.body.records[0].workRecordIdentifier.number, '🧪'.repeat(128));
    assert.deepEqual((await polledNumbers(f)).sort(), [...numbers].sort());
  });

  test('a path number the schema could never accept is 400 naming /pathParameters/workOrderNumber', async () => {
    const f = facility();
    for (const number of ['N'.repeat(129), '€'.repeat(129), '😀'.repeat(129), 'A'.repeat(4096), 'WO\u0001-1']) {
      const r = await erp.get(orderPath(f, number));
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/pathParameters/workOrderNumber'], `${number.length} code units`);
    }
  });

  test('a number over 128 characters in a body is refused, counted in characters as the path is', async () => {
    const f = facility();
    for (const number of ['€'.repeat(129), '😀'.repeat(129)]) {
      const r = await erp.post(ordersPath(f), orders(workOrder(number)));
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/dispensingWorkOrder/0/workOrderIdentifier/number']);
    }
    assert.deepEqual(await polledNumbers(f), []);
  });
});

describe('percent-encoding and request heads at the local gateway (finding 2)', () => {
  test('malformed percent-encoding in the path is 400 problem+json, before and after authentication', async () => {
    const f = facility();
    const paths = [
      '/facility/%/dispensingWorkorders',
      '/facility/PLANT-A/dispensingWorkorders/%E0%A4%A',
      '/facility/PLANT-A/dispensingWorkorders/%ZZ',
      // Well-formed escapes of bytes that are not UTF-8: a lone surrogate (CESU), a stray continuation byte.
      '/facility/PLANT-A/dispensingWorkorders/%ED%A0%80',
      '/facility/PLANT-A/dispensingWorkorders/WO-%FF',
      `/facility/${f}/documents/%C0%AF`,
    ];
    for (const path of paths) {
      for (const key of [undefined, erp.key]) {
        const r = await rawRequest('GET', path, { key });
        assertProblem(r, 400);
        assert.match(r.body.detail, /percent-encod|UTF-8/, path);
      }
    }
  });

  test('malformed percent-encoding in the query is 400 naming the parameter', async () => {
    const f = facility();
    for (const query of ['agency=%E0%A4%A', 'agency=%FF', 'lastExecutionDateTime=%ED%A0%80', 'agency=Custom&x=%']) {
      const r = await rawRequest('GET', `${ordersPath(f)}/WO-1?${query}`, { key: erp.key });
      assertProblem(r, 400);
      assert.equal(errorPaths(r).length, 1, query);
      assert.match(errorPaths(r)[0]!, /^\/queryStringParameters\/(agency|lastExecutionDateTime|x)$/);
    }
  });

  test('raw bytes outside ASCII in the request line are 400 problem+json', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /facility/PLANT-A/dispensingWorkorders/WO-'),
      Buffer.from([0xe2, 0x82, 0xac, 0xff]),
      Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
    ]);
    assertProblem(await socketRequest(head), 400);
  });

  test('a URI past the limit is 414 and headers past it 431, both problem+json', async () => {
    const f = facility();
    assertProblem(await rawRequest('GET', `${ordersPath(f)}/${'A'.repeat(20_000)}`, { key: erp.key }), 414, 'too-large');
    assertProblem(await rawRequest('GET', `${ordersPath(f)}/WO-1?agency=${'A'.repeat(9000)}`, { key: erp.key }), 414, 'too-large');
    assertProblem(
      await rawRequest('GET', `${ordersPath(f)}/WO-1`, { key: erp.key, headers: { 'x-big': 'b'.repeat(20_000) } }),
      431,
      'too-large',
    );
    // An ordinary request on a fresh connection still works.
    assertProblem(await rawRequest('GET', `${ordersPath(f)}/WO-1`, { key: erp.key }), 404);
  });
});

describe('text that is not well-formed Unicode (finding 3)', () => {
  test('a body that is not UTF-8 is 400 naming the body: distinct inputs never collide', async () => {
    const f = facility();
    const json = JSON.stringify(orders(workOrder('WO-@@-74')));
    const at = json.indexOf('@@');
    for (const bad of [
      [0xff, 0xfe],
      [0xfe, 0xff],
      [0xc3, 0x28],
      [0xed, 0xa0],
    ]) {
      const body = Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bad), Buffer.from(json.slice(at + 2))]);
      const r = await rawRequest('POST', ordersPath(f), { key: erp.key, body });
      assertProblem(r, 400);
      assert.match(r.body.detail, /body is not valid UTF-8/);
    }
    assertProblem(await erp.get(orderPath(f, 'WO-\uFFFD\uFFFD-74')), 404);
    assert.deepEqual(await polledNumbers(f), []);
  });

  test('a lone surrogate in a body value is 400 naming its JSON pointer; nothing is stored', async () => {
    const f = facility();
    for (const lone of ['\\ud800', '\\udfff', '\\ude00\\ud83d']) {
      const body = JSON.stringify(orders(workOrder('WO-SURROGATE-75'), workOrder('WO-76'))).replace('"WO-SURROGATE-75"', `"${lone}WO-75"`);
      const r = await rawRequest('POST', ordersPath(f), { key: erp.key, body: Buffer.from(body) });
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/dispensingWorkOrder/0/workOrderIdentifier/number'], lone);
    }
    assert.deepEqual(await polledNumbers(f), []);
  });

  test('a lone surrogate in a property name, or in a bare array or older-form body, is named as sent', async () => {
    const f = facility();
    const inKey = JSON.stringify(orders(workOrder('WO-77'))).replace('"workOrderCreationDateTime"', '"workOrder\\udc00CreationDateTime"');
    const r1 = await rawRequest('POST', ordersPath(f), { key: erp.key, body: Buffer.from(inKey) });
    assertProblem(r1, 400);
    assert.deepEqual(errorPaths(r1), ['/dispensingWorkOrder/0/workOrder\uFFFDCreationDateTime']);

    const bare = JSON.stringify([workOrder('WO-78')]).replace('"WO-78"', '"WO-\\ud800-78"');
    const r2 = await rawRequest('POST', ordersPath(f), { key: erp.key, body: Buffer.from(bare) });
    assertProblem(r2, 400);
    assert.deepEqual(errorPaths(r2), ['/dispensingWorkOrder/0/workOrderIdentifier/number']);

    const legacy = JSON.stringify({ DispensingWorkOrder: [{ WorkOrderIdentifier: { Number: '@', Agency: 3 } }] }).replace(
      '"@"',
      '"\\ud800"',
    );
    const r3 = await rawRequest('POST', ordersPath(f), { key: erp.key, body: Buffer.from(legacy) });
    assertProblem(r3, 400);
    assert.deepEqual(errorPaths(r3), ['/DispensingWorkOrder/0/WorkOrderIdentifier/Number']);
    assert.deepEqual(await polledNumbers(f), []);
  });

  test('every body route refuses lone surrogates: records, acknowledgements, document uploads', async () => {
    const f = facility();
    const rec = JSON.stringify(records(workRecord('WR-1', { order: 'WO-1' }))).replace('"WR-1"', '"WR-\\udbff"');
    const r1 = await rawRequest('POST', `/facility/${f}/dispensingWorkRecords`, { key: pcs.key, body: Buffer.from(rec) });
    assertProblem(r1, 400);
    assert.deepEqual(errorPaths(r1), ['/dispensingWorkRecord/0/workRecordIdentifier/number']);

    const ack = JSON.stringify(acknowledgements(acknowledgement('WO-1', 'accepted'))).replace('"WO-1"', '"WO-\\udbff"');
    const r2 = await rawRequest('POST', `/facility/${f}/acknowledgeWorkOrderReceipt`, { key: pcs.key, body: Buffer.from(ack) });
    assertProblem(r2, 400);
    assert.deepEqual(errorPaths(r2), ['/acknowledgeWorkOrderReceipt/0/workOrderIdentifier/number']);

    const upload = '{"fileName":"bol-\\ud800.pdf","contentType":"application/pdf","size":10}';
    const r3 = await rawRequest('POST', `/facility/${f}/documents`, { key: pcs.key, body: Buffer.from(upload) });
    assertProblem(r3, 400);
    assert.deepEqual(errorPaths(r3), ['/fileName']);
  });

  test('well-formed astral characters, sent raw or as escaped surrogate pairs, are accepted', async () => {
    const f = facility();
    const body = JSON.stringify(orders(workOrder('WO-PAIR'), workOrder('WO-😀-RAW'))).replace('"WO-PAIR"', '"WO-\\ud83d\\ude00-ESC"');
    const r = await rawRequest('POST', ordersPath(f), { key: erp.key, body: Buffer.from(body) });
    assert.equal(r.status, 200, r.text);
    assert.equal((await erp.get(orderPath(f, 'WO-😀-ESC'))).status, 200);
    assert.deepEqual((await polledNumbers(f)).sort(), ['WO-😀-ESC', 'WO-😀-RAW'].sort());
  });
});

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

describe('issue 24 replayed literally: each finding a 4xx problem or a correct answer', () => {
  const F = `${PREFIX}-I24`;
  let erp24: KeyedClient;
  let pcs24: KeyedClient;
  beforeAll(async () => {
    [erp24, pcs24] = await Promise.all([keyed(stack, 'erp', [F]), keyed(stack, 'pcs', [F])]);
  });
  const recordsPath = `/facility/${F}/dispensingWorkRecords`;
  const report = (query: string, headers?: Record<string, string>) => erp24.get(`/facility/${F}/consumption?${query}`, headers);
  const dated = (number: string, at: string, actual: [number, number]) => ({
    ...workRecord(number, { actual }),
    dispensingEndDateTime: at,
  });

  test('1. quantities outside DynamoDB’s range: 400 naming the value, nothing stored', async () => {
    for (const [i, value] of [1e126, 1e-131, 1e300, -1e300, 5e-324].entries()) {
      const r = await pcs24.post(recordsPath, records(dated(`I24-1-${i}`, '2026-09-01T10:00:00Z', [value, 1])));
      assertProblem(r, 400);
      assert.ok(
        errorPaths(r).some((p) => p.endsWith('/actualQuantity/value')),
        `${value}: ${JSON.stringify(errorPaths(r))}`,
      );
    }
  });

  test('2. a 1e125 record, then a later record of the product in the same month: 400, then 200 and counted', async () => {
    assertProblem(await pcs24.post(recordsPath, records(dated('I24-2-a', '2026-09-01T10:00:00Z', [1e125, 1]))), 400);
    const later = await pcs24.post(recordsPath, records(dated('I24-2-b', '2026-09-15T10:00:00Z', [2.5, 1])));
    assert.equal(later.status, 200, later.text);
    const r = await report('from=2026-09-01&to=2026-10-01');
    assert.equal(r.status, 200, r.text);
    const dap = r.body.rows.find((row: { product: { number: string } }) => row.product.number === 'P-DAP');
    assert.deepEqual([dap?.quantity, dap?.records], [{ value: 2.5, uom: 'LBR' }, 1], r.text);
  });

  test('3. a leap second on a receipt, a stock count and a record: read as the next second, never a 500', async () => {
    const receipt = await pcs24.post(`/facility/${F}/receipts`, {
      receipts: [
        {
          receiptId: 'I24-3',
          component: { agency: 'AssignedBySeller', number: 'P-DAP' },
          quantity: { value: 24, uom: 'TNE' },
          receivedAt: '2016-12-31T23:59:60Z',
        },
      ],
    });
    assert.equal(receipt.status, 200, receipt.text);
    const count = await pcs24.post(`/facility/${F}/stockCounts`, {
      stockCounts: [
        {
          countId: 'I24-3',
          component: { agency: 'AssignedBySeller', number: 'P-DAP' },
          location: 'SILO-1',
          quantity: { value: 3, uom: 'TNE' },
          countedAt: '2016-12-31T23:59:60Z',
        },
      ],
    });
    assert.equal(count.status, 200, count.text);
    const record = await pcs24.post(recordsPath, records(dated('I24-3', '2016-12-31T23:59:60Z', [7, 1])));
    assert.equal(record.status, 200, record.text);
    // Dated by its leap second, read as 2017-01-01T00:00:00Z: in the first day of 2017, not in 2016.
    const first = await report('from=2017-01-01&to=2017-01-02');
    assert.equal(first.status, 200, first.text);
    const dap = first.body.rows.find((row: { product: { number: string } }) => row.product.number === 'P-DAP');
    assert.deepEqual([dap?.quantity, dap?.records], [{ value: 7, uom: 'LBR' }, 1], first.text);
    const before = await report('from=2016-12-31&to=2017-01-01');
    assert.deepEqual(before.body.rows, [], before.text);
  });

  test('4. the 10,000-year report: a 400 naming the limit, at once', async () => {
    const r = await report('from=0001-01-01&to=9999-12-31&groupBy=day&tz=Pacific/Chatham');
    assertProblem(r, 400);
    assert.deepEqual(errorPaths(r), ['/queryStringParameters/from']);
    assert.match(r.body.detail, /2000-01-01/);
    const long = await report('from=2000-01-01&to=2100-01-01&groupBy=product&tz=Pacific/Chatham');
    assertProblem(long, 400);
    assert.match(long.body.detail, /3660 days/);
  });

  test('7. a subscription URL with CR/LF, NUL or port 0: 400 naming /url, nothing stored', async () => {
    for (const url of ['http://127.0.0.1:9/hook\r\nX-Evil: 1', 'http://127.0.0.1:9/ho\u0000ok', 'http://127.0.0.1:0/hook']) {
      const r = await erp24.post(`/facility/${F}/subscriptions`, { url, events: 'dispensingWorkOrder' });
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), ['/url']);
    }
    const list = await erp24.get(`/facility/${F}/subscriptions`);
    assert.deepEqual(list.body.subscriptions, [], list.text);
  });

  test('7. 51 master-data documents, receipts or stock counts: 413 like 51 orders', async () => {
    const component = { identifier: { agency: 'AssignedBySeller', number: 'P-1' }, name: 'DAP', uom: 'KGM', active: true };
    const line = { component: component.identifier, quantity: { value: 1, uom: 'KGM' } };
    const many = <T>(make: (i: number) => T) => Array.from({ length: 51 }, (_, i) => make(i));
    const bodies: [string, unknown, KeyedClient][] = [
      ['components', { components: many((i) => ({ ...component, identifier: { ...component.identifier, number: `P-${i}` } })) }, erp24],
      [
        'recipes',
        { recipes: many((i) => ({ identifier: { agency: 'AssignedBySeller', number: `R-${i}` }, name: 'B', lines: [line] })) },
        erp24,
      ],
      [
        'purchaseOrders',
        { purchaseOrders: many((i) => ({ identifier: { agency: 'AssignedBySeller', number: `PO-${i}` }, lines: [{ line: 1, ...line }] })) },
        erp24,
      ],
      [
        'receipts',
        {
          receipts: many((i) => ({
            receiptId: `R-${i}`,
            component: component.identifier,
            quantity: { value: 1, uom: 'KGM' },
            receivedAt: '2026-05-04T06:00:00Z',
          })),
        },
        pcs24,
      ],
      [
        'stockCounts',
        {
          stockCounts: many((i) => ({
            countId: `C-${i}`,
            component: component.identifier,
            location: 'S',
            quantity: { value: 1, uom: 'KGM' },
            countedAt: '2026-05-04T06:00:00Z',
          })),
        },
        pcs24,
      ],
      ['dispensingWorkorders', orders(...many((i) => workOrder(`I24-7-${i}`))), erp24],
    ];
    for (const [route, body, who] of bodies) {
      const r = await who.post(`/facility/${F}/${route}`, body);
      assertProblem(r, 413);
      assert.equal(errorPaths(r).length, 1, `${route}: ${JSON.stringify(r.body)}`);
    }
  });

  test('7. Accept q-values: text/csv;q=0.1, application/json is JSON; text/csv alone is CSV', async () => {
    const query = 'from=2026-09-01&to=2026-10-01';
    const json = await report(query, { accept: 'text/csv;q=0.1, application/json' });
    assert.equal(json.status, 200, json.text);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    const csv = await report(query, { accept: 'text/csv' });
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const summaries = await erp24.get(`/facility/${F}/workOrderSummaries`, { accept: 'text/csv;q=0.1, application/json' });
    assert.match(summaries.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('7. tz=EST5EDT and other names Intl knows are accepted; a fixed offset is not', async () => {
    for (const tz of ['EST5EDT', 'US/Eastern', 'Etc/GMT+5']) {
      const r = await report(`from=2026-09-01&to=2026-10-01&groupBy=day&tz=${encodeURIComponent(tz)}`);
      assert.equal(r.status, 200, `${tz}: ${r.text}`);
    }
    const offset = await report(`from=2026-09-01&to=2026-10-01&tz=${encodeURIComponent('+05:00')}`);
    assertProblem(offset, 400);
    assert.deepEqual(errorPaths(offset), ['/queryStringParameters/tz']);
  });

  test('7. a density of 5e-324 and a quantity past 15 significant digits: 400, never a null or a rounded value', async () => {
    const density = await erp24.post(`/facility/${F}/components`, {
      components: [{ identifier: { agency: 'AssignedBySeller', number: 'P-D' }, name: 'D', uom: 'KGM', density: 5e-324, active: true }],
    });
    assertProblem(density, 400);
    // As the client wrote it: JSON text with 18 significant digits (a double keeps about 16).
    const body = JSON.stringify({
      stockCounts: [
        {
          countId: 'I24-7-digits',
          component: { agency: 'AssignedBySeller', number: 'P-DAP' },
          location: 'SILO-2',
          quantity: { value: '@', uom: 'TNE' },
          countedAt: '2026-05-04T09:00:00Z',
        },
      ],
    }).replace('"@"', '123456789.123456789');
    const count = await pcs24.post(`/facility/${F}/stockCounts`, body);
    assertProblem(count, 400);
  });
});

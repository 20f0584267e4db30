import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseConsumptionQuery, recordTime } from '../../functions/domain/consumption.ts';
import { HubError } from '../../functions/domain/errors.ts';
import {
  isNearYear,
  netDateTime,
  parseClientTime,
  parseDateTime,
  readDateTime,
  withColonTimeSeparators,
  zonedDateTime,
} from '../../functions/domain/time.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import {
  validateAcknowledgementRequest,
  validateReceiptsRequest,
  validateStockCountsRequest,
  validateWorkOrderRequest,
  validateWorkRecordRequest,
} from '../../functions/generated/validators.cjs';
import { ajvErrorItem } from '../../functions/shared/problem.ts';
import acknowledgement from '../fixtures/canonical/acknowledgement.json' with { type: 'json' };
import orderSingle from '../fixtures/canonical/work-order-single.json' with { type: 'json' };
import recordSingle from '../fixtures/canonical/work-record-single.json' with { type: 'json' };

const utc = (iso: string) => new Date(iso).getTime();

describe('readDateTime: the one reader', () => {
  const read: [string, string, string, string][] = [
    // [what, input, instant, text the hub keeps]
    ['a leap second in Z', '2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z', '2017-01-01T00:00:00Z'],
    ['a leap second with a fraction', '2016-12-31T23:59:60.250Z', '2017-01-01T00:00:00.250Z', '2017-01-01T00:00:00.250Z'],
    ['a leap second in an offset', '2016-12-31T18:59:60-05:00', '2017-01-01T00:00:00.000Z', '2016-12-31T19:00:00-05:00'],
    ['a leap second in an offset past midnight', '2017-01-01T05:29:60.5+05:30', '2017-01-01T00:00:00.500Z', '2017-01-01T05:30:00.5+05:30'],
    ['a leap second at the end of June', '2015-06-30T23:59:60z', '2015-07-01T00:00:00.000Z', '2015-07-01T00:00:00z'],
    ['a leap second, space separator', '2016-12-31 23:59:60Z', '2017-01-01T00:00:00.000Z', '2017-01-01 00:00:00Z'],
    ['the first instant of year 0001', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00Z'],
    ['the last instant of year 9999', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['year 0001 in a negative offset', '0001-01-01T00:00:00-05:00', '0001-01-01T05:00:00.000Z', '0001-01-01T00:00:00-05:00'],
    ['year 9999 in a positive offset', '9999-12-31T23:59:59+14:00', '9999-12-31T09:59:59.000Z', '9999-12-31T23:59:59+14:00'],
    ['year 0099 (not 1999)', '0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z', '0099-06-01T00:00:00Z'],
    ['an ordinary time kept as sent', '2026-11-21T10:30:00.123456+0200', '2026-11-21T08:30:00.123Z', '2026-11-21T10:30:00.123456+0200'],
  ];
  for (const [what, input, instant, text] of read) {
    test(`reads ${what}`, () => {
      const got = readDateTime(input);
      assert.ok(got, input);
      assert.equal(new Date(got.ms).toISOString(), instant);
      assert.equal(got.text, text);
      assert.doesNotMatch(got.text, /:60/);
    });
  }
  const refused: [string, string][] = [
    ['a :60 that is not the end of a UTC day', '2016-12-31T22:59:60Z'],
    ['a :60 at 23:59 local in an offset', '2016-12-31T23:59:60-05:00'],
    ['second 61', '2016-12-31T23:59:61Z'],
    ['a leap second that would be year 10000', '9999-12-31T23:59:60Z'],
    ['an instant after 9999 by its offset', '9999-12-31T23:00:00-05:00'],
    ['an instant before 0001 by its offset', '0001-01-01T00:00:00+01:00'],
    ['year 0000', '0000-06-01T00:00:00Z'],
    ['an offset of one hour digit pair only', '2026-01-01T00:00:00+02'],
    ['an offset of 24 hours', '2026-01-01T00:00:00+24:00'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['no zone', '2026-01-01T00:00:00'],
    ['a tab separator', '2026-01-01\t00:00:00Z'],
  ];
  for (const [what, input] of refused) test(`refuses ${what}`, () => assert.equal(readDateTime(input), null));
});

describe('date-times as the .NET library writes them in other cultures', () => {
  test("a culture's `.` time separator (fi-FI) is read as `:`; other text is left as it is", () => {
    for (const [sent, read] of [
      ['2026-07-01T08.30.45.123+03:00', '2026-07-01T08:30:45.123+03:00'],
      ['2026-07-01T08.30.45+03:00', '2026-07-01T08:30:45+03:00'],
      ['2026-07-01T08.30Z', '2026-07-01T08:30Z'],
      ['2026-07-01T08.30.45.1234567', '2026-07-01T08:30:45.1234567'],
    ]) {
      assert.equal(withColonTimeSeparators(sent!), read);
    }
    for (const left of ['2026-07-01T08:30:45.123+03:00', '2026-07-01', '08.30.45', '2026-07-01T08.30.45.123+03.00x', '1.5']) {
      assert.equal(withColonTimeSeparators(left), left);
    }
  });

  test('a year more than 100 years from the clock is not near; text that is no date-time is left to the reader', () => {
    const now = Date.parse('2026-12-06T00:00:00Z');
    assert.equal(isNearYear('2567-07-01T08:30:45.123+07:00', 100, now), false);
    assert.equal(isNearYear('2126-12-31T23:59:59Z', 100, now), true);
    assert.equal(isNearYear('2127-01-01T00:00:00Z', 100, now), false);
    assert.equal(isNearYear('1926-01-01T00:00:00Z', 100, now), true);
    assert.equal(isNearYear('1925-12-31T23:59:59Z', 100, now), false);
    assert.equal(isNearYear('not a date', 100, now), true);
  });
});

describe('every reader of a client date-time uses it: a leap second is the next second, never a 500', () => {
  test("the poll's lastExecutionDateTime", () => {
    assert.equal(parseClientTime('2016-12-31T23:59:60Z'), utc('2017-01-01T00:00:00Z'));
    assert.equal(parseClientTime('2016-12-31T18:59:60 05:00'.replace(' 05', '-05')), utc('2017-01-01T00:00:00Z'));
  });

  test('extreme years: accepted within 0001-9999, a 400 naming the parameter beyond', () => {
    assert.equal(parseClientTime('0001-01-01T00:00:00Z'), utc('0001-01-01T00:00:00Z'));
    assert.equal(parseClientTime('9999-12-31T23:59:59Z'), utc('9999-12-31T23:59:59Z'));
    for (const raw of ['9999-12-31T23:59:60Z', '0001-01-01T00:00:00+00:01']) {
      assert.throws(
        () => parseClientTime(raw, 'from'),
        (e) => e instanceof HubError && e.kind === 'invalid-input' && e.errors?.[0]?.path === '/queryStringParameters/from',
      );
    }
  });

  test("a report's from and to (date-times and dates)", () => {
    const q = parseConsumptionQuery({ from: '2016-12-31T23:59:60Z', to: '2017-01-02' });
    assert.equal(q.from, utc('2017-01-01T00:00:00Z'));
    const wide = parseConsumptionQuery({ from: '0001-01-01', to: '9999-12-31' });
    assert.equal(wide.from, utc('0001-01-01T00:00:00Z'));
    assert.equal(wide.to, utc('9999-12-31T00:00:00Z'));
    assert.throws(() => parseConsumptionQuery({ from: '0000-12-31', to: '2020-01-01' }), HubError);
  });

  test('a document date-time read by a use case: a 400 naming its path when unreadable', () => {
    assert.equal(parseDateTime('2016-12-31T23:59:60Z', '/receipts/0/receivedAt'), utc('2017-01-01T00:00:00Z'));
    assert.throws(
      () => parseDateTime('2016-12-31T23:59:61Z', '/receipts/0/receivedAt'),
      (e) => e instanceof HubError && e.errors?.[0]?.path === '/receipts/0/receivedAt' && /receivedAt/.test(e.message),
    );
  });

  test('a work record is dated by its leap-second dispensingEndDateTime, not by its creation time', () => {
    const record = { ...structuredClone(recordSingle), dispensingEndDateTime: '2016-12-31T23:59:60Z' } as unknown as WorkRecordDocument;
    assert.equal(recordTime(record), utc('2017-01-01T00:00:00Z'));
  });

  test('a zone-less leap second in a key’s zone is the next second too', () => {
    assert.equal(zonedDateTime('2016-12-31T17:59:60', 'America/Chicago'), '2016-12-31T18:00:00.000-06:00');
    assert.equal(zonedDateTime('2016-12-31T23:59:60', 'America/Chicago'), null);
  });

  test('the older form never serves :60, even for a leap second stored before this rule', () => {
    assert.equal(netDateTime('2016-12-31T23:59:60Z'), '2017-01-01T00:00:00.000+00:00');
    assert.equal(netDateTime('2016-12-31T18:59:60.5-05:00'), '2016-12-31T19:00:00.500-05:00');
    assert.equal(netDateTime('9999-12-31T23:59:59.999Z'), '9999-12-31T23:59:59.999+00:00');
    assert.equal(netDateTime('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00.000+00:00');
  });
});

// ---- every date-time field of every document kind, through the generated validators ----

type Obj = Record<string, unknown>;
interface Validator {
  (data: unknown): boolean;
  errors?: import('ajv').ErrorObject[] | null;
}
interface Kind {
  name: string;
  validate: Validator;
  body: () => Obj;
  /** JSON pointers of its date-time fields. */
  fields: string[];
}
const setAt = (doc: unknown, pointer: string, value: unknown) => {
  const parts = pointer.split('/').slice(1);
  const last = parts.pop()!;
  let node = doc as Obj;
  for (const p of parts) node = node[p] as Obj;
  node[last] = value;
};
const getAt = (doc: unknown, pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .reduce((n, p) => (n as Obj)[p], doc as unknown);
const stock = (id: string, at: string) => ({
  [id]: 'X-1',
  component: { agency: 'AssignedBySeller', number: 'P-DAP' },
  quantity: { value: 24, uom: 'TNE' },
  [at]: '2026-04-01T14:10:00-05:00',
});
const KINDS: Kind[] = [
  {
    name: 'work order',
    validate: validateWorkOrderRequest,
    body: () => ({
      dispensingWorkOrder: [
        { ...structuredClone(orderSingle), dispensingStartDateTime: '2026-04-07T08:00:00Z', dispensingEndDateTime: '2026-04-07T09:00:00Z' },
      ],
    }),
    fields: ['header/creationDateTime', 'workOrderCreationDateTime', 'dispensingStartDateTime', 'dispensingEndDateTime'].map(
      (f) => `/dispensingWorkOrder/0/${f}`,
    ),
  },
  {
    name: 'work record',
    validate: validateWorkRecordRequest,
    body: () => ({
      dispensingWorkRecord: [
        {
          ...structuredClone(recordSingle),
          dispensingStartDateTime: '2026-04-07T08:00:00Z',
          dispensingEndDateTime: '2026-04-07T09:00:00Z',
        },
      ],
    }),
    fields: [
      'header/creationDateTime',
      'workOrderCreationDateTime',
      'workRecordCreationDateTime',
      'dispensingStartDateTime',
      'dispensingEndDateTime',
    ].map((f) => `/dispensingWorkRecord/0/${f}`),
  },
  {
    name: 'acknowledgement',
    validate: validateAcknowledgementRequest,
    body: () => ({
      acknowledgeWorkOrderReceipt: [{ ...structuredClone(acknowledgement), plannedCompletionDateTime: '2026-04-02T10:00:00.000-05:00' }],
    }),
    fields: ['header/creationDateTime', 'acknowledgeWorkOrderDateTime', 'plannedCompletionDateTime'].map(
      (f) => `/acknowledgeWorkOrderReceipt/0/${f}`,
    ),
  },
  {
    name: 'receipt',
    validate: validateReceiptsRequest,
    body: () => ({ receipts: [stock('receiptId', 'receivedAt')] }),
    fields: ['/receipts/0/receivedAt'],
  },
  {
    name: 'stock count',
    validate: validateStockCountsRequest,
    body: () => ({ stockCounts: [stock('countId', 'countedAt')] }),
    fields: ['/stockCounts/0/countedAt'],
  },
];

describe('every date-time field of every document kind', () => {
  for (const kind of KINDS) {
    test(`${kind.name}: the fixture is valid as it is`, () => assert.ok(kind.validate(kind.body()), JSON.stringify(kind.validate.errors)));
    for (const field of kind.fields) {
      test(`${kind.name} ${field}: a leap second is kept as the next second`, () => {
        for (const [sent, kept] of [
          ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z'],
          ['2016-12-31T18:59:60.123-05:00', '2016-12-31T19:00:00.123-05:00'],
        ]) {
          const body = kind.body();
          setAt(body, field, sent);
          assert.ok(kind.validate(body), JSON.stringify(kind.validate.errors));
          assert.equal(getAt(body, field), kept);
        }
      });
      test(`${kind.name} ${field}: years within 100 of the clock are read; beyond, and a :60 elsewhere, a 400 naming the field`, () => {
        const year = new Date().getUTCFullYear();
        for (const ok of [`${year - 100}-01-01T00:00:00Z`, `${year + 100}-12-31T23:59:59.999Z`, `${year + 100}-12-31T23:59:59+14:00`]) {
          const body = kind.body();
          setAt(body, field, ok);
          assert.ok(kind.validate(body), `${ok}: ${JSON.stringify(kind.validate.errors)}`);
          assert.equal(getAt(body, field), ok);
        }
        for (const bad of ['9999-12-31T23:59:60Z', '9999-12-31T23:00:00-05:00', '0001-01-01T00:00:00+01:00', '2016-12-31T12:59:60Z']) {
          const body = kind.body();
          setAt(body, field, bad);
          assert.equal(kind.validate(body), false, bad);
          const items = (kind.validate.errors ?? []).map((e) => ajvErrorItem(e));
          assert.ok(
            items.some((i) => i.path === field && /between the years 0001 and 9999/.test(i.message)),
            `${bad}: ${JSON.stringify(items)}`,
          );
        }
        // A Buddhist-era year (th-TH writes 2567 for 2024), year 0001, 9999: read, but centuries away.
        for (const far of [
          `${year + 543}-07-01T08:30:45.123+07:00`,
          `${year + 101}-01-01T00:00:00Z`,
          `${year - 101}-12-31T23:59:59Z`,
          '0001-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999Z',
        ]) {
          const body = kind.body();
          setAt(body, field, far);
          assert.equal(kind.validate(body), false, far);
          const items = (kind.validate.errors ?? []).map((e) => ajvErrorItem(e));
          assert.deepEqual(
            items.map((i) => [i.path, /within 100 years of the hub's clock/.test(i.message)]),
            [[field, true]],
            `${far}: ${JSON.stringify(items)}`,
          );
        }
      });
    }
  }
});

/** Consumption aggregates and reports: exact decimals, 15-minute slots, days in any IANA zone, merged increments. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  type AggregateDelta,
  type AggregateItem,
  type ConsumptionQuery,
  checkReportRange,
  consumptionDeltas,
  consumptionRows,
  localDate,
  parseConsumptionQuery,
  positionOf,
  recordTime,
  reportPlan,
  startOfLocalDay,
} from '../../functions/domain/consumption.ts';
import { formatDecimal, parseDecimal, sumDecimals } from '../../functions/domain/decimal.ts';
import type { HubError } from '../../functions/domain/errors.ts';
import { zoneOffsetMinutes } from '../../functions/domain/time.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { workRecord } from '../support/records.ts';

const record = (number: string, at: string, actual: [number, number], order = 'WO-1') => {
  const r = workRecord(number, { order, actual }) as WorkRecordDocument & { dispensingEndDateTime?: string };
  r.dispensingEndDateTime = at;
  return r;
};

/** Applies deltas as DynamoDB's ADD would, giving the items a report reads. */
function apply(deltas: AggregateDelta[], into = new Map<string, AggregateItem>()): Map<string, AggregateItem> {
  for (const d of deltas) {
    const id = `${d.kind}#${d.level}#${d.period}#${d.hash}`;
    const item: AggregateItem = into.get(id) ?? { kind: d.kind, level: d.level, period: d.period, attributes: {} };
    for (const [k, v] of Object.entries(d.refs)) item.attributes[k] ??= v;
    for (const [k, v] of d.adds) item.attributes[k] = sumDecimals([item.attributes[k] ?? '0', formatDecimal(v)]);
    into.set(id, item);
  }
  return into;
}

/** A report as the use case makes it: the plan's reads taken from the items, summed. */
function report(items: readonly AggregateItem[], query: ConsumptionQuery) {
  const plan = reportPlan(query);
  const read = items.filter((i) =>
    plan.reads.some((r) => r.kind === i.kind && r.level === i.level && r.first <= i.period && i.period <= r.last),
  );
  return consumptionRows(read, plan);
}

describe('decimals', () => {
  test('sums exactly, in any notation', () => {
    assert.equal(sumDecimals([0.1, 0.2]), '0.3');
    assert.equal(sumDecimals(Array.from({ length: 1000 }, () => 0.001)), '1');
    assert.equal(sumDecimals(['1e-7', '2.5E+2', '-0.5', '.5']), '250.0000001');
    assert.equal(formatDecimal(parseDecimal('-0.000')), '0');
    assert.equal(sumDecimals(['123456789012345678901234567890.1', '0.9']), '123456789012345678901234567891');
  });
});

describe('slots and zones', () => {
  test('positions: 15-minute slots and hours by month, days by year', () => {
    const t = Date.parse('2026-03-29T01:14:59.999Z');
    assert.deepEqual(positionOf('S', t), { period: '2026-03', pos: '2904' });
    assert.deepEqual(positionOf('H', t), { period: '2026-03', pos: '2901' });
    assert.deepEqual(positionOf('D', t), { period: '2026', pos: '0329' });
    assert.deepEqual(positionOf('S', Date.parse('2026-03-31T23:45:00Z')), { period: '2026-03', pos: '3195' });
  });

  test('local days are exact on DST changes and in quarter-hour zones', () => {
    // Berlin springs forward on 2026-03-29: a 23-hour day.
    const start = startOfLocalDay('2026-03-29', 'Europe/Berlin');
    const end = startOfLocalDay('2026-03-30', 'Europe/Berlin');
    assert.equal(new Date(start).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal((end - start) / 3_600_000, 23);
    assert.equal(new Date(startOfLocalDay('2026-11-01', 'America/Chicago')).toISOString(), '2026-11-01T05:00:00.000Z');
    assert.equal(new Date(startOfLocalDay('2026-11-02', 'America/Chicago')).toISOString(), '2026-11-02T06:00:00.000Z');
    assert.equal(new Date(startOfLocalDay('2026-05-01', 'Asia/Kathmandu')).toISOString(), '2026-04-30T18:15:00.000Z');
    assert.equal(localDate(Date.parse('2026-04-30T18:14:59Z'), 'Asia/Kathmandu'), '2026-04-30');
    assert.equal(localDate(Date.parse('2026-04-30T18:15:00Z'), 'Asia/Kathmandu'), '2026-05-01');
  });

  test('the query: dates are midnights in tz; bad values are 400s naming the parameter', () => {
    const q = parseConsumptionQuery({ from: '2026-03-29', to: '2026-03-30', tz: 'Europe/Berlin', groupBy: 'day' });
    assert.equal(new Date(q.from).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal(q.groupBy, 'day');
    const cases: [Record<string, string>, string][] = [
      [{ to: '2026-01-02' }, 'from'],
      [{ from: '2026-01-01' }, 'to'],
      [{ from: '2026-01-02', to: '2026-01-01' }, 'to'],
      [{ from: '2026-01-01', to: '2026-01-02', tz: 'Mars/Olympus' }, 'tz'],
      [{ from: '2026-01-01', to: '2026-01-02', groupBy: 'week' }, 'groupBy'],
      [{ from: '2026-01-01T10:07:00Z', to: '2026-01-02' }, 'from'],
      [{ from: '2026-02-30', to: '2026-03-02' }, 'from'],
    ];
    for (const [query, name] of cases) {
      assert.throws(
        () => parseConsumptionQuery(query),
        (e: HubError) => e.kind === 'invalid-input' && e.errors?.[0]?.path === `/queryStringParameters/${name}`,
        JSON.stringify(query),
      );
    }
  });
});

describe('bounded reports (issue 24, finding 4)', () => {
  const refused = (query: Record<string, string>, name: string, limit: RegExp) =>
    assert.throws(
      () => checkReportRange(parseConsumptionQuery(query)),
      (e: HubError) => e.kind === 'invalid-input' && e.errors?.[0]?.path === `/queryStringParameters/${name}` && limit.test(e.message),
      JSON.stringify(query),
    );

  test('the 10,000-year report and ranges beyond each grouping’s limit are a 400 naming the limit', () => {
    refused({ from: '0001-01-01', to: '9999-12-31', groupBy: 'day', tz: 'Pacific/Chatham' }, 'from', /2000-01-01/);
    refused({ from: '2000-01-01', to: '9999-12-31', groupBy: 'product' }, 'to', /9999-01-01/);
    refused({ from: '2000-01-01', to: '9000-01-01', groupBy: 'product' }, 'to', /3660 days/);
    refused({ from: '2024-01-01', to: '2025-01-03', groupBy: 'day' }, 'to', /367 days/);
    refused({ from: '2024-01-01', to: '2025-01-03', groupBy: 'order' }, 'to', /367 days/);
    refused({ from: '2016-01-01', to: '2026-01-09', groupBy: 'product' }, 'to', /3660 days/);
    refused({ from: '1999-12-30T23:45:00Z', to: '2000-01-01', groupBy: 'product' }, 'from', /2000-01-01/);
    refused({ from: '9998-12-31', to: '9999-01-01T12:15:00-12:00', groupBy: 'product' }, 'to', /9999-01-01/);
    // The dates 2000-01-01 and 9999-01-01 in the zones furthest east and west.
    for (const tz of ['Pacific/Kiritimati', 'Etc/GMT+12', 'Pacific/Chatham'])
      checkReportRange(parseConsumptionQuery({ from: '2000-01-01', to: '2000-01-02', tz }));
    for (const tz of ['Pacific/Kiritimati', 'Etc/GMT+12', 'Pacific/Chatham'])
      checkReportRange(parseConsumptionQuery({ from: '9998-12-31', to: '9999-01-01', groupBy: 'day', tz }));
  });

  test('the longest allowed reports are planned, at both ends of the years reports cover, in zones far apart', () => {
    // Furthest east and west, quarter-hour offsets, half-hour DST, a new standard offset in 2024 (Almaty).
    const zones = [
      'UTC',
      'Pacific/Kiritimati',
      'Etc/GMT+12',
      'Pacific/Chatham',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Asia/Almaty',
      'America/Chicago',
    ];
    for (const tz of zones) {
      for (const [from, to, groupBy] of [
        ['2024-01-01', '2025-01-02', 'day'],
        ['2000-01-01', '2001-01-01', 'day'],
        ['9998-01-01', '9999-01-01', 'day'],
        ['9998-01-01', '9999-01-01', 'order'],
        ['2016-01-01', '2026-01-01', 'product'],
      ] as const) {
        const query = parseConsumptionQuery({ from, to, groupBy, tz });
        checkReportRange(query);
        assert.ok(reportPlan(query).reads.length > 0, `${tz} ${from}..${to} ${groupBy}`);
      }
    }
  });

  test('since 1980 every zone is a whole number of quarter hours from UTC (local days are whole slots)', () => {
    const offsets = new Set<string>();
    for (const tz of Intl.supportedValuesOf('timeZone')) {
      for (let t = Date.UTC(1980, 0, 1); t < Date.UTC(2040, 0, 1); t += 29 * 86_400_000) {
        const minutes = zoneOffsetMinutes(tz, t);
        if (minutes % 15 !== 0) offsets.add(`${tz} ${minutes}`);
      }
    }
    assert.deepEqual([...offsets], []);
  }, 60_000);
});

describe('report zones (issue 24, finding 7)', () => {
  test('every name Intl knows, links and legacy names included; offsets, abbreviations and nonsense refused', () => {
    const day = { from: '2026-01-01', to: '2026-01-02' };
    for (const tz of [...Intl.supportedValuesOf('timeZone'), 'EST5EDT', 'US/Eastern', 'Etc/GMT+5', 'UTC', 'utc', 'EST', 'CET', 'Japan']) {
      assert.ok(parseConsumptionQuery({ ...day, tz }).tz, tz);
    }
    for (const tz of ['+05:00', '-0500', 'GMT+5', 'UTC+1', 'CST', 'PST', 'IST', 'Mars/Olympus', 'Factory/', '', 'America/Chicago\u0000']) {
      assert.throws(
        () => parseConsumptionQuery({ ...day, tz }),
        (e: HubError) => e.kind === 'invalid-input' && e.errors?.[0]?.path === '/queryStringParameters/tz',
        tz,
      );
    }
  });
});

describe('aggregates', () => {
  test('a request touches each aggregate item once, however many records and products it holds', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(`R-${i}`, '2026-04-02T10:00:00Z', [0.1, 0.2], `WO-${i % 2}`));
    const deltas = consumptionDeltas(records);
    // Two products at three levels, two orders at two levels, one day: 6 product items and 4 order items.
    assert.equal(deltas.length, 10);
    const items = [...apply(deltas).values()];
    const q = parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01' });
    const rows = report(items, q);
    assert.deepEqual(
      rows.map((r) => [r.product.number, r.quantity.value, r.records]),
      rows.map((r) => [r.product.number, r.product.number === rows[0]!.product.number ? '5' : '10', 50]),
    );
  });

  test('by day in a zone, by order, and only slots inside [from, to)', () => {
    const items = [
      ...apply(
        consumptionDeltas([
          record('A', '2026-03-28T22:59:00Z', [1, 10], 'WO-1'), // 23:59 in Berlin, the 28th
          record('B', '2026-03-28T23:00:00Z', [2, 20], 'WO-1'), // 00:00 on the 29th
          record('C', '2026-03-29T21:59:00Z', [4, 40], 'WO-2'), // 23:59 CEST on the 29th
          record('D', '2026-03-29T22:00:00Z', [8, 80], 'WO-2'), // the 30th
        ]),
      ).values(),
    ];
    const byDay = report(items, parseConsumptionQuery({ from: '2026-03-28', to: '2026-03-31', tz: 'Europe/Berlin', groupBy: 'day' }));
    const first = byDay.filter((r) => r.product.number === byDay[0]!.product.number);
    assert.deepEqual(
      first.map((r) => [r.day, r.quantity.value, r.records]),
      [
        ['2026-03-28', '1', 1],
        ['2026-03-29', '6', 2],
        ['2026-03-30', '8', 1],
      ],
    );
    const oneDay = report(items, parseConsumptionQuery({ from: '2026-03-29', to: '2026-03-30', tz: 'Europe/Berlin', groupBy: 'order' }));
    assert.deepEqual(
      oneDay.filter((r) => r.product.number === oneDay[0]!.product.number).map((r) => [r.workOrder?.number, r.quantity.value]),
      [
        ['WO-1', '2'],
        ['WO-2', '4'],
      ],
    );
  });

  test('a group whose records were all taken back (voided) has no row; the others keep theirs', () => {
    const kept = record('K', '2026-04-02T10:00:00Z', [1, 10], 'WO-1');
    const gone = record('G', '2026-04-02T11:00:00Z', [2, 20], 'WO-2');
    const items = [...apply([...consumptionDeltas([kept, gone]), ...consumptionDeltas([gone], [-1])]).values()];
    const byOrder = report(items, parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01', groupBy: 'order' }));
    assert.deepEqual(
      byOrder.map((r) => [r.workOrder?.number, r.records]),
      [
        ['WO-1', 1],
        ['WO-1', 1],
      ],
    );
    assert.deepEqual(byOrder.map((r) => r.quantity.value).sort(), ['1', '10']);
  });
});

describe('roll-ups', () => {
  // Record times over two years, on any minute; ranges and zones that cut days, hours and slots.
  const start = Date.parse('2025-12-20T00:00:00Z');
  const zones = ['UTC', 'America/Chicago', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns'];
  const records = Array.from({ length: 400 }, (_, i) =>
    record(`R-${i}`, new Date(start + ((i * 7_919_000) % (40 * 86_400_000)) + (i % 60) * 60_000).toISOString(), [i / 10, 1], `WO-${i % 7}`),
  );
  const items = [...apply(consumptionDeltas(records)).values()];

  /** The same report straight from the records: what every level must add up to. */
  function bruteForce(query: ConsumptionQuery): Map<string, string> {
    const sums = new Map<string, string[]>();
    for (const r of records) {
      const t = recordTime(r)!;
      if (t < query.from || t >= query.to) continue;
      const group = r.productGroup![0]!.product[0]!;
      const key = [
        query.groupBy === 'day' ? localDate(t, query.tz) : '',
        query.groupBy === 'order' ? r.workOrderIdentifier.number : '',
        group.identifier[0]!.number,
      ].join('|');
      sums.set(key, [...(sums.get(key) ?? []), String(group.actualQuantity!.value)]);
    }
    return new Map([...sums].map(([k, v]) => [k, `${sumDecimals(v)}/${v.length}`]));
  }

  test('every range, zone and grouping equals the sum of the records themselves', () => {
    const firstProduct = records[0]!.productGroup![0]!.product[0]!.identifier[0]!.number;
    let checked = 0;
    for (const tz of zones) {
      for (const [from, to] of [
        ['2025-12-20', '2026-01-29'],
        ['2025-12-31T23:45:00Z', '2026-01-01T00:15:00Z'],
        ['2026-01-03T05:30:00Z', '2026-01-17T18:45:00Z'],
        ['2025-12-21', '2025-12-22'],
      ]) {
        for (const groupBy of ['product', 'day', 'order']) {
          const query = parseConsumptionQuery({ from: from!, to: to!, tz, groupBy });
          const rows = report(items, query).filter((r) => r.product.number === firstProduct);
          const got = new Map(
            rows.map((r) => [[r.day ?? '', r.workOrder?.number ?? '', r.product.number].join('|'), `${r.quantity.value}/${r.records}`]),
          );
          assert.deepEqual(got, bruteForce(query), `${groupBy} ${from}..${to} in ${tz}`);
          checked += got.size;
        }
      }
    }
    assert.ok(checked > 400, `compared ${checked} rows`);
  });

  test('a long report reads a few coarse items, not every slot', () => {
    const year = reportPlan(parseConsumptionQuery({ from: '2025-01-01', to: '2026-01-01', tz: 'America/Chicago' }));
    assert.deepEqual(
      year.reads.map((r) => `${r.level} ${r.first}..${r.last}`),
      ['D 2025..2025', 'H 2025-01..2025-01', 'H 2026-01..2026-01'],
      'one day-totals item per product for the year, the hours of its two ends',
    );
    const byDay = reportPlan(parseConsumptionQuery({ from: '2025-01-01', to: '2026-01-01', tz: 'America/Chicago', groupBy: 'day' }));
    assert.deepEqual(byDay.pieces.S, [], 'a whole-hour zone needs no slots');
  });
});

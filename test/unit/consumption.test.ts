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
  type EdgeRecord,
  localDate,
  parseConsumptionQuery,
  positionOf,
  type RollupSet,
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

/** Record heads as the edges read them: every record active, at its latest (only) revision. */
const headsOf = (docs: readonly WorkRecordDocument[]): EdgeRecord[] =>
  docs.map((doc) => ({ agency: doc.workRecordIdentifier.agency, number: doc.workRecordIdentifier.number, doc, voided: false }));

/**
 * A report as the use case makes it: the plan's reads taken from the items, the heads dated in
 * the plan's edges, summed.
 */
function report(
  items: readonly AggregateItem[],
  query: ConsumptionQuery,
  heads: readonly EdgeRecord[] = [],
  rollups: RollupSet = 'current',
) {
  const plan = reportPlan(query, rollups);
  // Each item as its read answers it: whole, or only the attributes the read names (a projection).
  const read = items.flatMap((i) =>
    plan.reads
      .filter((r) => r.kind === i.kind && r.level === i.level && r.first <= i.period && i.period <= r.last)
      .map((r) =>
        r.attributes === undefined
          ? i
          : { ...i, attributes: Object.fromEntries(Object.entries(i.attributes).filter(([k]) => r.attributes!.includes(k))) },
      ),
  );
  const dated = heads.filter((h) => plan.edges.some((e) => e.start <= recordTime(h.doc)! && recordTime(h.doc)! < e.end));
  return consumptionRows(read, plan, dated);
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
  test('positions: 15-minute slots and hours by month, years by year', () => {
    const t = Date.parse('2026-03-29T01:14:59.999Z');
    assert.deepEqual(positionOf('S', t), { period: '2026-03', pos: '2904' });
    assert.deepEqual(positionOf('H', t), { period: '2026-03', pos: '2901' });
    assert.deepEqual(positionOf('T', t), { period: '2026', pos: '' });
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
      [{ from: '2026-01-01T10:07:00', to: '2026-01-02' }, 'from'], // a date-time needs a zone
      [{ from: '2026-02-30', to: '2026-03-02' }, 'from'],
    ];
    // Any instant with a zone, to the millisecond (no longer only quarter hours).
    const any = parseConsumptionQuery({ from: '2026-01-01T10:07:00.123+01:00', to: '2026-01-02T00:00:00.001Z' });
    assert.equal(new Date(any.from).toISOString(), '2026-01-01T09:07:00.123Z');
    assert.equal(new Date(any.to).toISOString(), '2026-01-02T00:00:00.001Z');
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
    // Two products at four levels, two orders at three levels, one day: 8 product items and 6 order items.
    assert.equal(deltas.length, 14);
    const items = [...apply(deltas).values()];
    const q = parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01' });
    const rows = report(items, q);
    assert.deepEqual(
      rows.map((r) => [r.product.number, r.quantity.value, r.records]),
      rows.map((r) => [r.product.number, r.product.number === rows[0]!.product.number ? '5' : '10', 50]),
    );
  });

  test('by day in a zone, by order, and only slots inside [from, to)', () => {
    const docs = [
      record('A', '2026-03-28T22:59:00Z', [1, 10], 'WO-1'), // 23:59 in Berlin, the 28th
      record('B', '2026-03-28T23:00:00Z', [2, 20], 'WO-1'), // 00:00 on the 29th
      record('C', '2026-03-29T21:59:00Z', [4, 40], 'WO-2'), // 23:59 CEST on the 29th
      record('D', '2026-03-29T22:00:00Z', [8, 80], 'WO-2'), // the 30th
    ];
    const items = [...apply(consumptionDeltas(docs)).values()];
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
    // By order, the hours between the local day's ends and the nearest UTC midnights come from the records.
    const oneDay = report(
      items,
      parseConsumptionQuery({ from: '2026-03-29', to: '2026-03-30', tz: 'Europe/Berlin', groupBy: 'order' }),
      headsOf(docs),
    );
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
  const records = [
    ...Array.from({ length: 400 }, (_, i) =>
      record(
        `R-${i}`,
        new Date(start + ((i * 7_919_000) % (40 * 86_400_000)) + (i % 60) * 60_000).toISOString(),
        [i / 10, 1],
        `WO-${i % 7}`,
      ),
    ),
    // And some over two whole years, for the year totals and the days around them.
    ...Array.from({ length: 300 }, (_, i) =>
      record(
        `Y-${i}`,
        new Date(Date.parse('2025-01-01T00:00:00Z') + ((i * 2_345_678_901) % (730 * 86_400_000))).toISOString(),
        [i / 4, 1],
        `WO-${i % 5}`,
      ),
    ),
  ];
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
        // Any instants: partial slots at both edges, in one slot, at a local midnight's slot.
        ['2026-01-03T05:37:12.345Z', '2026-01-17T18:44:59.999Z'],
        ['2025-12-24T08:07:00Z', '2025-12-24T17:23:00Z'],
        ['2025-12-24T08:01:00.001Z', '2025-12-24T08:14:00Z'],
        ['2025-12-20T00:00:00.001Z', '2026-01-28T23:59:59.999Z'],
        ['2025-12-21T18:10:30Z', '2025-12-23T18:20:30Z'],
        // Whole years and most of them, ends near and far from a UTC midnight.
        ['2025-06-01', '2026-06-01'],
        ['2025-01-01T05:59:00.250Z', '2026-01-01T06:01:00Z'],
        ['2025-01-01T13:00:00Z', '2025-12-31T11:00:00Z'],
      ]) {
        for (const groupBy of ['product', 'day', 'order']) {
          const query = parseConsumptionQuery({ from: from!, to: to!, tz, groupBy });
          // Both plans: the current roll-ups, and the older levels alone (a table not brought up to date).
          for (const rollups of ['current', 'legacy'] as const) {
            const rows = report(items, query, headsOf(records), rollups).filter((r) => r.product.number === firstProduct);
            const got = new Map(
              rows.map((r) => [[r.day ?? '', r.workOrder?.number ?? '', r.product.number].join('|'), `${r.quantity.value}/${r.records}`]),
            );
            assert.deepEqual(got, bruteForce(query), `${rollups}: ${groupBy} ${from}..${to} in ${tz}`);
            checked += got.size;
          }
        }
      }
    }
    assert.ok(checked > 3000, `compared ${checked} rows`);
  }, 60_000);

  test('a year reads a few small items: a year total and two day edges per product, a day edge per local day, one year total per order', () => {
    const chicago = (groupBy: string) =>
      reportPlan(parseConsumptionQuery({ from: '2025-01-01', to: '2026-01-01', tz: 'America/Chicago', groupBy }));
    const shape = (plan: ReturnType<typeof reportPlan>) =>
      plan.reads.map((r) => `${r.level} ${r.first}${r.last === r.first ? '' : `..${r.last}`} ${r.attributes?.length ?? 'whole'}`);
    // By product: the UTC year's total less 1 January's total plus its part from 06:00Z, plus
    // 1 January 2026's total less its part from 06:00Z: five cells in three items of their own
    // (a year total, two days), projected, at any volume.
    const year = chicago('product');
    assert.deepEqual(shape(year), ['T 2025 4', 'E 2025-01-01 6', 'E 2026-01-01 6']);
    assert.deepEqual(year.reads[0]!.attributes, ['product', 'uom', 'q', 'n']);
    assert.deepEqual(year.reads[1]!.attributes, ['product', 'uom', 'q', 'n', 'q06', 'n06']);
    assert.deepEqual(year.edges, []);
    // Ends off the whole hours, or off the slots: the same small items (their slots), and the records of the partial slots.
    const offHours = reportPlan(parseConsumptionQuery({ from: '2025-01-01T08:07:13.456Z', to: '2026-01-01T17:23:00.5Z' }));
    assert.deepEqual(shape(offHours), ['T 2025 4', 'E 2025-01-01 8', 'E 2026-01-01 6']);
    assert.deepEqual(offHours.reads[2]!.attributes, ['product', 'uom', 'q17', 'n17', 'qs68', 'ns68']);
    assert.deepEqual(offHours.reads[1]!.attributes, ['product', 'uom', 'q', 'n', 'q08', 'n08', 'qs32', 'ns32']);
    assert.equal(offHours.edges.length, 2);
    // Most of a year: its whole months from the same year item, December as its total less the 31st.
    const mostOfAYear = reportPlan(
      parseConsumptionQuery({ from: '2025-01-01T08:07:13.456-06:00', to: '2025-12-31T17:23:00.500-06:00', tz: 'America/Chicago' }),
    );
    assert.deepEqual(shape(mostOfAYear), ['T 2025 26', 'E 2025-01-01 6', 'E 2025-12-31 8']);
    assert.deepEqual(mostOfAYear.reads[2]!.attributes, ['product', 'uom', 'q', 'n', 'q23', 'n23', 'qs92', 'ns92']);
    // By day: each local day is the next UTC day's total, plus this day's part from local midnight,
    // less the next day's: one boundary cell per day boundary, 06 (CST) or 05 (CDT), never an hour
    // cell; one read per month of the day items.
    const byDay = chicago('day');
    const lastDay = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    assert.deepEqual(shape(byDay), [
      ...lastDay.map((last, i) => {
        const month = `2025-${String(i + 1).padStart(2, '0')}`;
        // DST starts on 9 March and ends on 2 November: those months read both hours.
        return `E ${month}-01..${month}-${last} ${i === 2 || i === 10 ? 8 : 6}`;
      }),
      'E 2026-01-01 6',
    ]);
    // 8 March ends and 9 March starts at 06:00Z on the 9th; the 9th (23 hours, DST) ends at 05:00Z on the 10th.
    assert.deepEqual(
      [...byDay.cells.get('E#2025-03-09#06')!],
      [
        ['2025-03-08', -1],
        ['2025-03-09', 1],
      ],
    );
    assert.deepEqual(
      [...byDay.cells.get('E#2025-03-10#05')!],
      [
        ['2025-03-09', -1],
        ['2025-03-10', 1],
      ],
    );
    assert.equal([...byDay.cells.keys()].filter((k) => k.startsWith('H#') || k.startsWith('S#')).length, 0);
    // By order: the UTC year's totals (whole items: products are hashes), the six hours on each
    // side from the records (taken away at the start, added at the end).
    const byOrder = chicago('order');
    assert.deepEqual(shape(byOrder), ['Y 2025 whole']);
    assert.deepEqual(
      byOrder.edges.map((e) => [new Date(e.start).toISOString(), new Date(e.end).toISOString(), e.sign]),
      [
        ['2025-01-01T00:00:00.000Z', '2025-01-01T06:00:00.000Z', -1],
        ['2026-01-01T00:00:00.000Z', '2026-01-01T06:00:00.000Z', 1],
      ],
    );
    // A table not brought up to date reads the older levels: every hour of the year by day.
    assert.deepEqual(
      reportPlan(parseConsumptionQuery({ from: '2025-01-01', to: '2026-01-01', tz: 'America/Chicago', groupBy: 'day' }), 'legacy')
        .reads.map((r) => r.level)
        .filter((l, i, all) => all.indexOf(l) === i),
      ['H'],
    );
  });

  test('a zone west or east of UTC, or on a quarter hour: boundary cells from whichever side covers more of the day, slots for the rest', () => {
    const cells = (tz: string) =>
      [...reportPlan(parseConsumptionQuery({ from: '2025-01-10', to: '2025-01-11', tz, groupBy: 'day' })).cells.keys()].sort();
    // Berlin: 10 January is [09 23:00Z, 10 23:00Z): the 9th's total less its prefix to 23:00, plus the 10th's prefix to 23:00.
    assert.deepEqual(cells('Europe/Berlin'), ['E#2025-01-09#', 'E#2025-01-09#23', 'E#2025-01-10#23']);
    // Kathmandu (+5:45): [09 18:15Z, 10 18:15Z): prefixes to 18:00 and the slot 18:00–18:15, all in the two days' edge items.
    assert.deepEqual(cells('Asia/Kathmandu'), [
      'E#2025-01-09#',
      'E#2025-01-09#18',
      'E#2025-01-09#s72',
      'E#2025-01-10#18',
      'E#2025-01-10#s72',
    ]);
  });
});

describe('any instant: the partial slots at the edges from the records', () => {
  const q = (from: string, to: string, groupBy = 'product', tz = 'UTC') => parseConsumptionQuery({ from, to, groupBy, tz });
  const rowsOf = (records: readonly WorkRecordDocument[], query: ConsumptionQuery, heads = headsOf(records)) =>
    report([...apply(consumptionDeltas(records)).values()], query, heads).map((r) => [
      r.day ?? r.workOrder?.number ?? '',
      r.product.number,
      r.quantity.value,
      r.records,
    ]);

  test('a plan on slot edges has no edge; one off them has its partial slots, to the millisecond', () => {
    assert.deepEqual(reportPlan(q('2026-01-01T08:00:00Z', '2026-01-01T17:15:00Z')).edges, []);
    const iso = (edges: { start: number; end: number }[]) =>
      edges.map((e) => [new Date(e.start).toISOString(), new Date(e.end).toISOString()]);
    assert.deepEqual(iso(reportPlan(q('2026-01-01T08:07:00.001Z', '2026-01-01T17:23:00Z')).edges), [
      ['2026-01-01T08:07:00.001Z', '2026-01-01T08:15:00.000Z'],
      ['2026-01-01T17:15:00.000Z', '2026-01-01T17:23:00.000Z'],
    ]);
    // Both ends in one slot: one edge, no aggregate read.
    const one = reportPlan(q('2026-01-01T08:01:00Z', '2026-01-01T08:14:59.999Z'));
    assert.deepEqual(iso(one.edges), [['2026-01-01T08:01:00.000Z', '2026-01-01T08:14:59.999Z']]);
    assert.deepEqual(one.reads, []);
    // Ends in neighbouring slots, no whole slot between: one edge, no aggregate read.
    const two = reportPlan(q('2026-01-01T08:07:00Z', '2026-01-01T08:20:00Z'));
    assert.deepEqual(iso(two.edges), [['2026-01-01T08:07:00.000Z', '2026-01-01T08:20:00.000Z']]);
    assert.deepEqual(two.reads, []);
    // Only one end off a slot edge: one edge.
    assert.deepEqual(iso(reportPlan(q('2026-01-01', '2026-01-01T17:23:00Z')).edges), [
      ['2026-01-01T17:15:00.000Z', '2026-01-01T17:23:00.000Z'],
    ]);
  });

  test('half-open at the millisecond: from a record’s exact time includes it, from one ms later does not; to likewise', () => {
    const records = [record('A', '2026-03-10T08:07:00.000Z', [1, 10]), record('B', '2026-03-10T08:30:00Z', [2, 20])];
    const dap = (from: string, to: string) => rowsOf(records, q(from, to)).filter((r) => r[1] === 'P-DAP');
    assert.deepEqual(dap('2026-03-10T08:07:00.000Z', '2026-03-10T09:00:00Z'), [['', 'P-DAP', '3', 2]]);
    assert.deepEqual(dap('2026-03-10T08:07:00.001Z', '2026-03-10T09:00:00Z'), [['', 'P-DAP', '2', 1]]);
    assert.deepEqual(dap('2026-03-10T08:00:00Z', '2026-03-10T08:07:00.000Z'), []);
    assert.deepEqual(dap('2026-03-10T08:00:00Z', '2026-03-10T08:07:00.001Z'), [['', 'P-DAP', '1', 1]]);
    // A zone in the instant, not only Z: 09:07+01:00 is 08:07Z.
    assert.deepEqual(dap('2026-03-10T09:07:00+01:00', '2026-03-10T09:07:00.001+01:00'), [['', 'P-DAP', '1', 1]]);
  });

  test('08:07 to 17:23 equals the sum of the records in it, edges and whole slots together', () => {
    const at = ['08:00', '08:06:59.999', '08:07', '08:14:59', '08:15', '12:00', '17:14:59.999', '17:15', '17:22:59.999', '17:23', '17:29'];
    const records = at.map((t, i) => record(`R-${i}`, `2026-03-10T${t}Z`, [2 ** i, 1]));
    // In: 08:07 .. 17:22:59.999 (indexes 2 to 8).
    const want = [2, 3, 4, 5, 6, 7, 8].reduce((sum, i) => sum + 2 ** i, 0);
    assert.deepEqual(
      rowsOf(records, q('2026-03-10T08:07:00Z', '2026-03-10T17:23:00Z')).filter((r) => r[1] === 'P-DAP'),
      [['', 'P-DAP', String(want), 7]],
    );
  });

  test('by day in a zone: a local midnight between unaligned ends is exact; edge records take their local day', () => {
    // Asia/Kathmandu is UTC+5:45: 4 January starts at 18:15Z on the 3rd.
    const records = [
      record('K-1', '2026-01-03T18:11:00Z', [1, 1]), // 23:56 on the 3rd, in the first edge
      record('K-2', '2026-01-03T18:14:59.999Z', [2, 1]), // 23:59:59.999 on the 3rd, first edge
      record('K-3', '2026-01-03T18:15:00Z', [4, 1]), // midnight: the 4th, whole slots
      record('K-4', '2026-01-04T18:14:00Z', [8, 1]), // 23:59 on the 4th
      record('K-5', '2026-01-04T18:16:00Z', [16, 1]), // 00:01 on the 5th, in the last edge
      record('K-6', '2026-01-04T18:17:00Z', [32, 1]), // after to
      record('K-7', '2026-01-03T18:10:00Z', [64, 1]), // before from
    ];
    const rows = rowsOf(records, q('2026-01-03T18:10:00.001Z', '2026-01-04T18:16:00.001Z', 'day', 'Asia/Kathmandu'));
    assert.deepEqual(
      rows.filter((r) => r[1] === 'P-DAP'),
      [
        ['2026-01-03', 'P-DAP', '3', 2],
        ['2026-01-04', 'P-DAP', '12', 2],
        ['2026-01-05', 'P-DAP', '16', 1],
      ],
    );
  });

  test('by order at the edges', () => {
    const records = [
      record('O-1', '2026-05-01T06:03:00Z', [1, 1], 'WO-A'),
      record('O-2', '2026-05-01T06:04:00Z', [2, 1], 'WO-B'),
      record('O-3', '2026-05-01T06:30:00Z', [4, 1], 'WO-A'),
      record('O-4', '2026-05-01T06:47:00Z', [8, 1], 'WO-B'),
    ];
    assert.deepEqual(
      rowsOf(records, q('2026-05-01T06:03:30Z', '2026-05-01T06:47:00.001Z', 'order')).filter((r) => r[1] === 'P-DAP'),
      [
        ['WO-A', 'P-DAP', '4', 1],
        ['WO-B', 'P-DAP', '10', 2],
      ],
    );
  });

  test('a range on slot edges reads no record and answers what the roll-ups say', () => {
    const records = [record('A', '2026-03-10T08:07:00Z', [1, 10])];
    const query = q('2026-03-10T08:00:00Z', '2026-03-10T09:00:00Z');
    assert.deepEqual(reportPlan(query).edges, []);
    // Heads offered but not asked for: the plan has no edge, nothing is added twice.
    assert.deepEqual(rowsOf(records, query), rowsOf(records, query, []));
    assert.deepEqual(rowsOf(records, query, []), [
      ['', 'P-DAP', '1', 1],
      ['', 'P-POTASH', '10', 1],
    ]);
  });

  test('a voided record at an edge counts nothing, as in the roll-ups; a head read twice counts once', () => {
    const kept = record('K', '2026-03-10T08:10:00Z', [1, 10]);
    const voided = record('V', '2026-03-10T08:11:00Z', [100, 100]);
    const query = q('2026-03-10T08:07:00Z', '2026-03-10T08:14:00Z');
    const heads: EdgeRecord[] = [...headsOf([kept]), { ...headsOf([voided])[0]!, voided: true }];
    const rows = consumptionRows([], reportPlan(query), [...heads, ...heads]);
    assert.deepEqual(
      rows.map((r) => [r.product.number, r.quantity.value, r.records]),
      [
        ['P-DAP', '1', 1],
        ['P-POTASH', '10', 1],
      ],
    );
  });
});

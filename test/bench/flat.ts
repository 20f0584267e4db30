/**
 * `npm run bench -- flat` (issue 30): what a facility's reads cost at the largest customer's size.
 * One facility holding 1,000 orders (one record each) against one holding 100,000 (and 100,000
 * records), on one local stack, each read as the median of its runs, facilities and reads
 * alternating so that machine noise hits both alike: a known key's poll serving 10 changed
 * orders, a summaries page of 100, one order view with and without `?agency=`. Goal: every ratio
 * 100,000 / 1,000 ≤ 1.2 — a read costs what it returns, not what the facility holds.
 *
 * The orders and records are written straight into DynamoDB Local as the store writes them
 * (orderItem; record heads with the attributes record-store.ts reads), since pushing 100,000
 * orders through the API would measure the push. The 10 changed orders go through the API.
 * For reference, the summaries page is also timed at a third facility of the smaller size whose
 * orders are stored as before the record count was kept (one COUNT Query per row).
 *
 * SEEDED_PROBES (below) are the consumption year report and the lot trace, each seeding what it
 * reads (a seed step, then one request).
 */
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { identityKey } from '../../functions/domain/documents.ts';
import { isoMs } from '../../functions/domain/time.ts';
import { mapConcurrently } from '../../functions/shared/concurrency.ts';
import { changePosition, facilityPk, recordSk, recordsOfOrderPk } from '../../functions/store/keys.ts';
import { TABLE } from '../../functions/store/table.ts';
import type { LocalInstance } from '../../infra/local/instance.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, localInstance } from '../support/local-stack.ts';
import { records, workRecord } from '../support/records.ts';
import { seededOrderItem } from './poll-latency.ts';
import { seedConsumption } from './reports.ts';
import { fmt, percentile } from './stats.ts';
import { seedOthers, settled, TRACED, tracedRecords } from './trace.ts';

const SENDER = 'AssignedBySender';
const CHANGED = 10;

/** What every probe measures with: the stack, the keys' clients, the facilities and their sizes. */
export interface FlatContext {
  stack: LocalStack;
  local: LocalInstance;
  erp: ReturnType<typeof client>;
  pcs: ReturnType<typeof client>;
  /** Where the changed orders start (a poll from here serves exactly them). */
  since: string;
}

export interface FlatFacility {
  id: string;
  /** How many orders it holds (and records: one per order). */
  orders: number;
}

/** One read measured at both facilities: an optional seed of what it reads, then one request (throws on a wrong answer). */
export interface FlatProbe {
  name: string;
  seed?: (ctx: FlatContext, facility: FlatFacility) => Promise<void>;
  run: (ctx: FlatContext, facility: FlatFacility) => Promise<void>;
}

const orderNumber = (i: number) => `WO-${String(i).padStart(6, '0')}`;
const recordNumber = (i: number) => `WR-${String(i).padStart(6, '0')}`;
/** The order every view reads: in the middle of the facility's orders. */
const viewed = (f: FlatFacility) => orderNumber(Math.floor(f.orders / 2));

const expect = (ok: boolean, what: string, r: { status: number; text: string }) => {
  if (!ok) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
};

const SUMMARIES_PAGE: FlatProbe = {
  name: 'summaries, a page of 100 with record counts',
  async run({ erp }, f) {
    const r = await erp.get(`/facility/${f.id}/workOrderSummaries?limit=100`);
    const rows = r.body?.workOrderSummaries as { records: number }[] | undefined;
    expect(r.status === 200 && rows?.length === 100 && rows.every((s) => s.records === 1), `summaries at ${f.id}`, r);
  },
};

const PROBES: FlatProbe[] = [
  {
    name: `poll, a known key's ${CHANGED} changed orders`,
    async run({ pcs, since }, f) {
      const r = await pcs.get(`/facility/${f.id}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
      expect(r.status === 200 && r.body.dispensingWorkOrder?.length === CHANGED, `poll at ${f.id}`, r);
    },
  },
  SUMMARIES_PAGE,
  {
    name: 'one order view, ?agency= given',
    async run({ erp }, f) {
      const r = await erp.get(`/facility/${f.id}/dispensingWorkorders/${viewed(f)}?agency=${SENDER}`);
      expect(r.status === 200 && r.body.records?.length === 1, `order view at ${f.id}`, r);
    },
  },
  {
    name: 'one order view, no ?agency=',
    async run({ erp }, f) {
      const r = await erp.get(`/facility/${f.id}/dispensingWorkorders/${viewed(f)}`);
      expect(r.status === 200 && r.body.records?.length === 1, `order view at ${f.id}`, r);
    },
  },
];

/** A document client on the stack's DynamoDB Local, for the probes' seeds. */
const seedClient = (local: LocalInstance) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );

/**
 * The reads that seed what they read themselves, at both facilities, straight into DynamoDB Local:
 * - a year's consumption report (the default grouping, by product; America/Chicago), over the
 *   roll-ups of as many records as the facility has orders (seedConsumption of the reports bench:
 *   the derive engine's own deltas), 20 products;
 * - a forward lot trace finding 40 records through three levels of blends (the trace bench's
 *   records, through the API), among as many other records as the facility has orders, each
 *   taking from one of 2,000 other lots (their lot index entries written as the engine writes them).
 */
const SEEDED_PROBES: FlatProbe[] = [
  {
    name: 'consumption, a year by product',
    seed: ({ local }, f) => seedConsumption(local, f.id, f.orders, 20, Math.min(500, f.orders)),
    async run({ erp }, f) {
      const r = await erp.get(`/facility/${f.id}/consumption?from=2025-01-01&to=2026-01-01&tz=America/Chicago`);
      expect(r.status === 200 && r.body.rows?.length === 20, `consumption at ${f.id}`, r);
    },
  },
  {
    name: `lot trace, ${TRACED} records through three levels of blends`,
    async seed({ local, pcs }, f) {
      const db = seedClient(local);
      try {
        await seedOthers(db, local.tableName, f.id, f.orders - TRACED);
        // Their orders are not pushed (the poll probe serves exactly the 10 changed orders): a trace
        // follows lots, whether or not the hub knows the orders.
        const traced = tracedRecords();
        for (let b = 0; b < traced.length; b += 10) {
          const r = await pcs.post(`/facility/${f.id}/dispensingWorkRecords`, records(...traced.slice(b, b + 10)));
          expect(r.status === 200, `traced records at ${f.id}`, r);
        }
        await settled(db, local.tableName, f.id);
      } finally {
        db.destroy();
      }
    },
    async run({ erp }, f) {
      const r = await erp.get(`/facility/${f.id}/trace?lot=L`);
      expect(r.status === 200 && r.body.affected?.length === TRACED, `trace at ${f.id}`, r);
    },
  },
];

/**
 * Writes `count` orders, each with one record (which moves nothing: it reports the order cancelled),
 * straight into DynamoDB Local; `counted: false` writes the orders as they were stored before the
 * record count was kept with them (no `recordCount`: a summary counts their records, one COUNT Query each).
 */
async function seedOrders(local: LocalInstance, facilityId: string, count: number, base: number, { counted = true } = {}): Promise<void> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const CHUNK = 500;
  const chunks = Array.from({ length: Math.ceil(count / CHUNK) }, (_, c) => c * CHUNK);
  await mapConcurrently(chunks, 8, async (from) => {
    const items: Record<string, unknown>[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const t = base + i;
      const number = orderNumber(i);
      const recordId = recordNumber(i);
      items.push(
        seededOrderItem(
          facilityId,
          number,
          t,
          counted ? { recordReports: { [identityKey(SENDER, recordId)]: 'cancelled' as const }, reportsComplete: true } : {},
        ),
      );
      const doc = workRecord(recordId, { order: number });
      doc.orderStatus = 'cancelled' as never;
      const json = JSON.stringify(doc);
      const receivedAt = isoMs(t + 1);
      items.push({
        [TABLE.partitionKey]: facilityPk(facilityId),
        [TABLE.sortKey]: recordSk(SENDER, recordId),
        [TABLE.recordsByOrderIndex.partitionKey]: recordsOfOrderPk(facilityId, SENDER, number),
        [TABLE.recordsByOrderIndex.sortKey]: changePosition(receivedAt, SENDER, recordId),
        kind: 'record',
        facilityId,
        agency: SENDER,
        number: recordId,
        doc: json,
        size: json.length,
        contentHash: identityKey('flat', recordId),
        orderAgency: SENDER,
        orderNumber: number,
        orderMatched: true,
        orderStatus: 'cancelled',
        receivedAt,
        modifiedAt: receivedAt,
        revision: 1,
        recordStatus: 'active',
        documents: '[]',
        // Counted when created (as heads before the derive engine): the stream's derive leaves it.
        aggregated: true,
      });
    }
    for (let b = 0; b < items.length; b += 25) {
      let request: Record<string, unknown>[] = items.slice(b, b + 25).map((Item) => ({ PutRequest: { Item } }));
      while (request.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [local.tableName]: request as never } }));
        request = (out.UnprocessedItems?.[local.tableName] as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  });
  db.destroy();
}

/** Seeds both facilities, then measures every probe at both, alternating; prints one line per probe. */
export async function benchFlat(stack: LocalStack, sizes = [1000, 100_000], rounds = 100): Promise<void> {
  const facilities: FlatFacility[] = sizes.map((n) => ({ id: `FLAT-${n / 1000}K`, orders: n }));
  // The reference: the smaller facility's orders as stored before their record count was kept.
  const uncounted: FlatFacility = { id: `FLAT-${sizes[0]! / 1000}K-UNCOUNTED`, orders: sizes[0]! };
  const ids = [...facilities, uncounted].map((f) => f.id);
  const local = localInstance(stack);
  const ctx: FlatContext = {
    stack,
    local,
    erp: client(stack.baseUrl, await stack.createKey('erp', ids)),
    pcs: client(stack.baseUrl, await stack.createKey('pcs', ids)),
    since: new Date(Date.now() - 1000).toISOString(),
  };
  const probes = [...PROBES, ...SEEDED_PROBES];
  console.log(
    `\nFlat at ${sizes.at(-1)!.toLocaleString('en-US')} (facilities of ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} orders, one record each; median of ${rounds} runs, alternating)`,
  );
  for (const f of facilities) {
    const t0 = performance.now();
    // Modified one per millisecond, ending two seconds before the changes' window.
    await seedOrders(local, f.id, f.orders, Date.parse(ctx.since) - 2000 - f.orders);
    for (const probe of probes) await probe.seed?.(ctx, f);
    const changes = Array.from({ length: CHANGED }, (_, j) =>
      workOrder(orderNumber(f.orders - 1 - j * 7), { type: 'update', quantity: j + 1 }),
    );
    const r = await ctx.erp.post(`/facility/${f.id}/dispensingWorkorders`, orders(...changes));
    expect(r.status === 200, `changes at ${f.id}`, r);
    console.log(
      `  seeded ${f.id}: ${f.orders.toLocaleString('en-US')} orders and records in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  // The changes' window must be past the settle delay of a poll.
  await new Promise((r) => setTimeout(r, 1000));
  const samples = probes.map(() => facilities.map(() => [] as number[]));
  for (let round = -10; round < rounds; round++) {
    for (const [p, probe] of probes.entries()) {
      for (const [i, f] of facilities.entries()) {
        const t = performance.now();
        await probe.run(ctx, f);
        if (round >= 0) samples[p]![i]!.push(performance.now() - t);
      }
    }
  }
  for (const [p, probe] of probes.entries()) {
    const medians = samples[p]!.map((s) => percentile(s, 50));
    const parts = facilities.map((f, i) => `${f.orders.toLocaleString('en-US')} ${fmt(medians[i]!)}`).join(', ');
    console.log(`  ${probe.name}: ${parts}; ratio ${(medians.at(-1)! / medians[0]!).toFixed(2)} (goal ≤ 1.2)`);
  }
  // The same summaries page where every row is counted on the records index (one COUNT Query each), as every page was before.
  await seedOrders(local, uncounted.id, uncounted.orders, Date.parse(ctx.since) - 2000 - uncounted.orders, { counted: false });
  const pair = [facilities[0]!, uncounted];
  const reference = pair.map(() => [] as number[]);
  for (let round = -5; round < 40; round++) {
    for (const [i, f] of pair.entries()) {
      const t = performance.now();
      await SUMMARIES_PAGE.run(ctx, f);
      if (round >= 0) reference[i]!.push(performance.now() - t);
    }
  }
  const [kept, counted] = reference.map((r) => percentile(r, 50)) as [number, number];
  console.log(
    `  reference, summaries page at ${uncounted.orders.toLocaleString('en-US')} orders stored before the count (a COUNT Query per row): ${fmt(counted)} against ${fmt(kept)} with the count kept (${(counted / kept).toFixed(1)}x)`,
  );
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

/**
 * `npm run bench -- stock`: GET /stock at a facility with 1,000 records against one with
 * 100,000. Each facility gets its components over HTTP; the records, their ledger entries and
 * the balances they produce are computed by the same domain functions as the record
 * transaction (dispensedMovements, applyMovements) and written straight into DynamoDB Local,
 * since submitting 100,000 records through the API would measure the submission. GET /stock
 * reads components and balances only, so its time should not grow with the records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applyMovements, type Balance, dispensedMovements, stockKeyId } from '../../functions/domain/stock.ts';
import { isoMs } from '../../functions/domain/time.ts';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { balanceSk, facilityPk, ledgerPk, ledgerSk, recordSk, stockPk } from '../../functions/store/keys.ts';
import { client, type LocalStack } from '../support/local-stack.ts';
import { fmt, percentile } from './stats.ts';

const PRODUCTS = 20;
const BATCH = 10;

async function seed(local: { dynamodbEndpoint: string; tableName: string }, facilityId: string, count: number): Promise<void> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const items: Record<string, unknown>[] = [];
  const balances = new Map<string, Balance>();
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let b = 0; b < count; b += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - b) }, (_, j) => {
      const i = b + j;
      const product = (n: number) => ({
        identifier: [{ agency: 'AssignedBySeller', number: `P-${n}` }],
        actualQuantity: { value: ((i % 97) + 1) / 10, uom: 'LBR' },
      });
      const record = {
        workRecordIdentifier: { agency: 'AssignedBySender', number: `WR-${i}` },
        productGroup: [{ identifier: [], product: [product(i % PRODUCTS), product((i + 7) % PRODUCTS)] }],
      } as unknown as DispensingWorkRecord;
      items.push({ pk: facilityPk(facilityId), sk: recordSk('AssignedBySender', `WR-${i}`), kind: 'record', doc: JSON.stringify(record) });
      return { record, at: start + i * 60_000 };
    });
    for (const { key, movements } of dispensedMovements(batch).values()) {
      const id = stockKeyId(key);
      balances.set(id, applyMovements(balances.get(id) ?? null, key, movements));
      const latest = Math.max(...movements.map((m) => m.at));
      items.push({
        pk: ledgerPk(facilityId, key),
        sk: ledgerSk(isoMs(latest), `bench-${b}`),
        kind: 'stockLedger',
        lines: JSON.stringify(movements),
      });
    }
  }
  for (const balance of balances.values()) {
    items.push({
      pk: stockPk(facilityId),
      sk: balanceSk(balance.key),
      kind: 'stockBalance',
      agency: balance.key.agency,
      number: balance.key.number,
      sums: JSON.stringify(balance.sums),
      lastMovementAt: isoMs(balance.lastMovementAt!),
      version: 1,
    });
  }
  for (let i = 0; i < items.length; i += 25) {
    let request: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (request.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [local.tableName]: request as never } }));
      request = (out.UnprocessedItems?.[local.tableName] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  console.log(`  seeded ${count} records (${items.length} items with their ledger entries and ${balances.size} balances) at ${facilityId}`);
  db.destroy();
}

/** GET /stock (every component, and one component) at 1,000 and 100,000 records. */
export async function benchStock(stack: LocalStack, sizes = [1000, 100_000], rounds = 40): Promise<void> {
  console.log(`\nStock (GET /stock, ${PRODUCTS} components, HTTP round trip through the local gateway)`);
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const facilities = sizes.map((n) => `BENCH-STOCK-${n}`);
  const erp = client(stack.baseUrl, await stack.createKey('erp', facilities));
  for (const [i, f] of facilities.entries()) {
    const components = Array.from({ length: PRODUCTS }, (_, n) => ({
      identifier: { agency: 'AssignedBySeller', number: `P-${n}` },
      name: `Component ${n}`,
      uom: 'KGM',
      active: true,
    }));
    const r = await erp.post(`/facility/${f}/components`, { components });
    if (r.status !== 200) throw new Error(`components: ${r.status} ${r.text.slice(0, 200)}`);
    await seed(local, f, sizes[i]!);
  }
  for (const [label, query] of [
    ['every component', ''],
    ['one component', '?component=P-3'],
  ] as const) {
    // Rounds alternate between the facilities, so a burst of load on the machine hits both alike.
    const samples = facilities.map(() => [] as number[]);
    for (let round = -5; round < rounds; round++) {
      for (const [i, f] of facilities.entries()) {
        const t = performance.now();
        const r = await erp.get(`/facility/${f}/stock${query}`);
        if (r.status !== 200 || r.body.stock.length === 0) throw new Error(`stock at ${f}: ${r.status} ${r.text.slice(0, 200)}`);
        if (round >= 0) samples[i]!.push(performance.now() - t);
      }
    }
    const medians = samples.map((s) => percentile(s, 50));
    const parts = sizes.map((n, i) => `${n} records ${fmt(medians[i]!)}`).join(', ');
    console.log(`  ${label}: ${parts}; ratio ${(medians.at(-1)! / medians[0]!).toFixed(2)}`);
  }
}

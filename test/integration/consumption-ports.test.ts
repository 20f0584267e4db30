/**
 * The consumption store's contract (test/support/port-contracts.ts) on the DynamoDB store
 * (functions/store/consumption-store.ts) against the tier's DynamoDB Local: record heads written
 * by the record store's own actions (a new record, a correction's head), read back by the
 * record-time index entries the heads carry.
 *
 * The store modules read their environment when first used: it is set from the stack's
 * local.json first, and the modules are imported only then.
 */
import assert from 'node:assert/strict';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, test } from 'vitest';
import { consumptionDeltas, edgesFromMonth } from '../../functions/domain/consumption.ts';
import { formatDecimal } from '../../functions/domain/decimal.ts';
import { consumptionPk, consumptionSk } from '../../functions/store/keys.ts';
import { useStackStores } from '../support/local-stack.ts';
import { consumptionStoreContract } from '../support/port-contracts.ts';
import { workRecord } from '../support/records.ts';
import { facilityNames, sharedStack } from '../support/shared-stack.ts';

const stack = sharedStack();
useStackStores(stack);

const { readAggregates, readRecordsDated, readRollups } = await import('../../functions/store/consumption-store.ts');
const { recordHeadPut, recordPut } = await import('../../functions/store/record-store.ts');
const { transactWrite } = await import('../../functions/store/transact.ts');

const { aggregateUpdates } = await import('../../functions/store/consumption-store.ts');
const { rebuildEdges } = await import('../../functions/store/consumption-rollups.ts');
const { dynamoExactClient } = await import('../../functions/store/clients.ts');
const { config } = await import('../../functions/shared/config.ts');

const names = facilityNames('cports');

consumptionStoreContract('DynamoDB', {
  make: () => ({
    store: { readAggregates, readRecordsDated, rollups: readRollups },
    async write(facilityId, head, revision) {
      const state = {
        facilityId,
        agency: head.agency,
        number: head.number,
        contentHash: `hash-${revision}`,
        orderAgency: head.doc.workOrderIdentifier.agency,
        orderNumber: head.doc.workOrderIdentifier.number,
        orderMatched: false,
        receivedAt: Date.parse('2026-02-03T20:00:00Z'),
      };
      if (revision === 1) {
        await transactWrite([recordPut({ state, doc: head.doc, documents: [] })]);
        return;
      }
      const at = state.receivedAt + revision * 1000;
      await transactWrite([
        recordHeadPut(
          {
            state,
            doc: head.doc,
            documents: [],
            revision,
            recordStatus: head.voided ? 'voided' : 'active',
            history: [],
            modifiedAt: at,
            keyId: null,
          },
          revision - 1,
        ),
      ]);
    },
  }),
  facility: () => names.next(),
});

describe('the edge items of a table written before them (backfill)', () => {
  const get = async (pk: string, sk: string) =>
    (await dynamoExactClient().send(new GetCommand({ TableName: config().tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const at = (number: string, time: string, dap: number) => {
    const r = workRecord(number, { actual: [dap, 1] });
    r.dispensingEndDateTime = time;
    return r;
  };

  test('built from the hour item; a derive write between its reads is neither lost nor counted twice', async () => {
    const f = names.next();
    const first = at('B-1', '2026-02-03T04:30:00Z', 5);
    const second = at('B-2', '2026-02-03T13:10:00Z', 7);
    const dap = consumptionDeltas([first]).find((d) => d.kind === 'product' && d.level === 'H')!;
    // A table of the earlier version: the first record's hour and slot items, no edge item.
    await transactWrite(
      aggregateUpdates(
        f,
        consumptionDeltas([first]).filter((d) => d.level === 'H' || d.level === 'S'),
      ),
    );
    const hourSk = consumptionSk('product', 'H', dap.period, dap.hash);
    const edgeSk = consumptionSk('product', 'E', '2026-02-03', dap.hash);
    const hourItem = (await get(consumptionPk(f), hourSk))!;
    // The derive engine counts the second record after the build read the hours, before it wrote.
    let wrote = 0;
    assert.equal(
      await rebuildEdges(hourItem, async () => {
        if (wrote++ === 0) await transactWrite(aggregateUpdates(f, consumptionDeltas([second])));
      }),
      1,
    );
    assert.equal(wrote, 2, 'the first build was refused and read again');
    const built = (await get(consumptionPk(f), edgeSk))!;
    const hours = (await get(consumptionPk(f), hourSk))!;
    const slots = (await get(consumptionPk(f), consumptionSk('product', 'S', dap.period, dap.hash)))!;
    const cells = (item: Record<string, unknown>, name: RegExp) =>
      Object.fromEntries(
        Object.entries(item)
          .filter(([k]) => name.test(k))
          .map(([k, v]) => [k, String(v)]),
      );
    // Both records, once each: what the hours say, and what deriving both from scratch writes.
    const edge = /^[qn](\d{2}|s\d{2})?$/;
    assert.deepEqual(cells(built, edge), edgesFromMonth(cells(hours, /^[qn]\d{4}$/), cells(slots, /^[qn]\d{4}$/)).get('03'));
    const fresh = consumptionDeltas([first, second]).find((d) => d.kind === 'product' && d.level === 'E' && d.hash === dap.hash)!;
    assert.deepEqual(cells(built, edge), Object.fromEntries([...fresh.adds].map(([k, v]) => [k, formatDecimal(v)])));
    assert.equal(cells(built, /^qs\d{2}$/).qs18, '5', 'the slot 04:30–04:45 holds the 04:30 record');
    assert.equal(cells(built, /^q$/).q, '12', "the day's total holds both");
    assert.equal(cells(built, /^q05$/).q05, '7', 'the suffix from 05:00 holds the 13:10 record only');
    assert.equal(cells(built, /^q12$/).q12, '5', 'the prefix to 12:00 holds the 04:30 record only');
  });
});

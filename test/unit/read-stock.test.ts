/**
 * Reading stock and purchase orders (functions/use-cases/read-stock.ts) over the in-memory stock
 * store: rows from balances and components only, zero rows for components without stock,
 * filters, movements, and a purchase order's lines with what they received.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import { getPurchaseOrder, getStock, parseStockQuery } from '../../functions/use-cases/read-stock.ts';
import { submitReceipts, submitStockCounts } from '../../functions/use-cases/stock-movements.ts';
import { hubError } from './helpers/hub-error.ts';
import { memoryStockStore } from './helpers/memory-stock-store.ts';
import { addComponent, addPurchaseOrder, count, receipt, STOCK_FACILITY } from './helpers/stock-documents.ts';

const NOW = Date.parse('2026-12-01T09:00:00.000Z');
type Store = ReturnType<typeof memoryStockStore>;

/** A facility with DAP (two locations and none), potash (no stock yet) and stock of a product that is no component. */
async function stocked(): Promise<Store> {
  const store = memoryStockStore();
  addComponent(store, 'DAP');
  addComponent(store, 'POTASH', 'LBR');
  await submitReceipts(
    store,
    {
      facilityId: STOCK_FACILITY,
      receipts: [
        receipt('R-1', 'DAP', 1000),
        receipt('R-2', 'DAP', 200, { location: 'Bin 2', at: '2026-11-11T08:00:00.000Z' }),
        receipt('R-3', 'UREA', 5),
      ],
    },
    () => NOW,
  );
  await submitStockCounts(store, { facilityId: STOCK_FACILITY, counts: [count('C-1', 'DAP', 900, '2026-11-12T08:00:00.000Z')] }, () => NOW);
  return store;
}

const read = (store: Store, query: Record<string, string>) => getStock(store, STOCK_FACILITY, parseStockQuery(query), () => NOW);

describe('GET /stock (use case)', () => {
  test('every balance of a known component, a zero row for one without, none for a product that is no component', async () => {
    const store = await stocked();

    const { asOf, stock } = await read(store, {});

    assert.equal(asOf, new Date(NOW).toISOString());
    assert.deepEqual(
      stock.map((r) => [r.component.number, r.location, r.quantity.value, r.quantity.uom]),
      [
        ['DAP', null, '900', 'KGM'],
        ['DAP', 'Bin 2', '200', 'KGM'],
        ['POTASH', null, '0', 'LBR'],
      ],
    );
    assert.deepEqual(stock[0]!.lastCount, { countId: 'C-1', countedAt: '2026-11-12T08:00:00.000Z' });
    assert.equal(stock[0]!.movements, undefined);
  });

  test('component and location filter the rows; movements list the ledger of the component', async () => {
    const store = await stocked();

    const one = await read(store, { component: 'DAP', location: 'Bin 2' });
    const withMovements = await read(store, { component: 'DAP', include: 'movements' });

    assert.deepEqual(
      one.stock.map((r) => [r.component.number, r.location]),
      [['DAP', 'Bin 2']],
    );
    const noLocation = withMovements.stock.find((r) => r.location === null)!;
    assert.deepEqual(
      noLocation.movements?.map((m) => [m.type, m.id, m.inLevel]),
      [
        ['receipt', 'R-1', false],
        ['count', 'C-1', true],
      ],
    );
  });

  test('an unknown component is a 404; a bad parameter is a 400 naming it', async () => {
    const store = await stocked();

    await assert.rejects(read(store, { component: 'NOPE' }), (e: unknown) => e instanceof HubError && e.kind === 'not-found');
    assert.throws(
      () => parseStockQuery({ include: 'movements' }),
      (e: unknown) => e instanceof HubError && e.errors?.[0]?.path === '/queryStringParameters/include',
    );
  });

  test('storage throttling while reading passes through as throttled', async () => {
    const store = await stocked();
    store.listBalances = async () => {
      throw new StorageError('throttled', 'storage throttled: ThrottlingException');
    };

    await assert.rejects(read(store, {}), (e: unknown) => e instanceof StorageError && e.failure === 'throttled');
  });
});

describe('GET /purchaseOrders/{number} (use case)', () => {
  test('the order with what each line received and its status', async () => {
    const store = memoryStockStore();
    addComponent(store, 'DAP');
    addPurchaseOrder(store, 'PO-1', [
      { component: 'DAP', value: 1000 },
      { component: 'DAP', value: 10 },
    ]);
    await submitReceipts(
      store,
      { facilityId: STOCK_FACILITY, receipts: [receipt('R-1', 'DAP', 1200, { purchaseOrder: { number: 'PO-1', line: 1 } })] },
      () => NOW,
    );

    const po = await getPurchaseOrder(store, STOCK_FACILITY, 'PO-1');

    assert.equal(po.status, 'partlyReceived');
    assert.deepEqual(
      po.lines.map((l) => [l.line, l.received.value, l.outstanding.value, l.overReceived, l.receipts]),
      [
        [1, '1200', '-200', true, ['R-1']],
        [2, '0', '10', false, []],
      ],
    );
  });

  test('an unknown order is a 404; a number two agencies share is a 409 asking for the agency', async () => {
    const store = memoryStockStore();
    addPurchaseOrder(store, 'PO-1', [{ component: 'DAP', value: 1 }]);
    const [po] = [...store.masters.purchaseOrder.values()];
    store.putMaster('purchaseOrder', { ...po!, agency: 'AssignedByBuyer' });

    await assert.rejects(getPurchaseOrder(store, STOCK_FACILITY, 'PO-9'), (e: unknown) => e instanceof HubError && e.kind === 'not-found');
    await assert.rejects(getPurchaseOrder(store, STOCK_FACILITY, 'PO-1'), hubError('conflict', ['/queryStringParameters/agency']));
    assert.equal((await getPurchaseOrder(store, STOCK_FACILITY, 'PO-1', 'AssignedByBuyer')).revision, 1);
  });
});

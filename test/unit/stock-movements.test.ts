/**
 * Receipts and stock counts (functions/use-cases/stock-movements.ts) over the in-memory stock
 * store: balances and ledgers moved exactly once, identity by receiptId / countId, purchase
 * order lines filled in the same atomic write, and the races and storage failures that matter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import { contentHash } from '../../functions/domain/master-data.ts';
import { parseReceived } from '../../functions/domain/purchase-orders.ts';
import { type Balance, stockKeyId } from '../../functions/domain/stock.ts';
import type { Receipt, StockCount } from '../../functions/generated/documents.ts';
import { submitReceipts, submitStockCounts } from '../../functions/use-cases/stock-movements.ts';
import { hubError } from './helpers/hub-error.ts';
import { memoryStockStore } from './helpers/memory-stock-store.ts';
import { AGENCY, addComponent, addPurchaseOrder, count, receipt, STOCK_FACILITY } from './helpers/stock-documents.ts';

const NOW = Date.parse('2026-12-01T09:00:00.000Z');
type Store = ReturnType<typeof memoryStockStore>;

const receive = (store: Store, receipts: Receipt[]) => submitReceipts(store, { facilityId: STOCK_FACILITY, receipts }, () => NOW);
const countStock = (store: Store, counts: StockCount[]) => submitStockCounts(store, { facilityId: STOCK_FACILITY, counts }, () => NOW);
const balanceOf = (store: Store, number: string, location: string | null = null): Balance | undefined =>
  store.balances.get(stockKeyId({ agency: AGENCY, number, location }));

describe('receipts', () => {
  test('a receipt creates its document, a ledger entry and the balance, in one atomic write', async () => {
    const store = memoryStockStore();

    const { results } = await receive(store, [receipt('R-1', 'DAP', 1000), receipt('R-2', 'DAP', 250.5, { location: 'Bin 1' })]);

    assert.deepEqual(
      results.map((r) => [r.receiptId, r.outcome]),
      [
        ['R-1', 'created'],
        ['R-2', 'created'],
      ],
    );
    assert.equal(store.applied.length, 1);
    assert.deepEqual(balanceOf(store, 'DAP')?.sums, { KGM: '1000' });
    assert.deepEqual(balanceOf(store, 'DAP', 'Bin 1')?.sums, { KGM: '250.5' });
    assert.equal(balanceOf(store, 'DAP')?.version, 1);
    assert.deepEqual([...store.documents.receipt.keys()], ['R-1', 'R-2']);
    assert.equal(store.ledger.size, 2);
  });

  test('the same receipt again is unchanged and moves nothing; other content under its id is a 409', async () => {
    const store = memoryStockStore();
    await receive(store, [receipt('R-1', 'DAP', 1000)]);

    const again = await receive(store, [receipt('R-1', 'DAP', 1000)]);
    const changed = receive(store, [receipt('R-1', 'DAP', 999)]);

    assert.deepEqual(
      again.results.map((r) => r.outcome),
      ['unchanged'],
    );
    await assert.rejects(changed, hubError('conflict', ['/receipts/0/receiptId']));
    assert.deepEqual(balanceOf(store, 'DAP')?.sums, { KGM: '1000' }, 'counted once');
    assert.equal(balanceOf(store, 'DAP')?.version, 1);
  });

  test('the same receiptId twice in one request is a 400 naming the second, and nothing is written', async () => {
    const store = memoryStockStore();

    const attempt = receive(store, [receipt('R-1', 'DAP', 1), receipt('R-1', 'DAP', 2)]);

    await assert.rejects(
      attempt,
      (e: unknown) => e instanceof HubError && e.kind === 'invalid-input' && e.errors?.[0]?.path === '/receipts/1/receiptId',
    );
    assert.deepEqual(store.applied, []);
  });

  test('a receipt against a purchase order line fills that line in the same write; the order becomes received', async () => {
    const store = memoryStockStore();
    addComponent(store, 'DAP');
    addPurchaseOrder(store, 'PO-1', [{ component: 'DAP', value: 1000 }]);

    await receive(store, [receipt('R-1', 'DAP', 400, { purchaseOrder: { number: 'PO-1', line: 1 } })]);
    const po1 = [...store.masters.purchaseOrder.values()][0]!;
    await receive(store, [receipt('R-2', 'DAP', 600, { purchaseOrder: { number: 'PO-1', line: 1 } })]);
    const po2 = [...store.masters.purchaseOrder.values()][0]!;

    assert.equal(po1.status, 'partlyReceived');
    assert.equal(po2.status, 'received');
    assert.deepEqual(parseReceived(po2.received), { 1: { sums: { KGM: '1000' }, receipts: ['R-1', 'R-2'] } });
    assert.deepEqual(balanceOf(store, 'DAP')?.sums, { KGM: '1000' });
  });

  test("a receipt naming a lot writes its entry in the lot's partition in the receipt's own write: when, how much, the order line and its supplier", async () => {
    const store = memoryStockStore();
    addComponent(store, 'DAP');
    addPurchaseOrder(store, 'PO-1', [{ component: 'DAP', value: 1000 }]);
    const po = [...store.masters.purchaseOrder.values()][0]!;
    (po.doc as { supplier?: { name: string } }).supplier = { name: 'Acme' };

    await receive(store, [
      { ...receipt('R-1', 'DAP', 400, { purchaseOrder: { number: 'PO-1', line: 1 } }), lot: { number: '24-0117' } },
      { ...receipt('R-2', 'DAP', 5), lot: { agency: 'AssignedBySeller', number: 'L-2' } },
      receipt('R-3', 'DAP', 1),
    ]);

    const [write] = store.applied;
    assert.equal(store.applied.length, 1, 'one atomic write');
    assert.deepEqual(
      write!.lotReceipts!.map((l) => [l.lot, l.receipt.receiptId, l.receipt.supplier, l.receipt.purchaseOrder]),
      [
        [{ agency: '-', number: '24-0117' }, 'R-1', { name: 'Acme' }, { agency: AGENCY, number: 'PO-1', line: 1 }],
        [{ agency: 'AssignedBySeller', number: 'L-2' }, 'R-2', null, null],
      ],
    );
    assert.deepEqual(write!.lotReceipts![0]!.receipt.quantity, { value: 400, uom: 'KGM' });
  });

  test('a receipt naming an unknown order, a missing line or another component is a 400, and nothing is written', async () => {
    const store = memoryStockStore();
    addComponent(store, 'DAP');
    addPurchaseOrder(store, 'PO-1', [{ component: 'DAP', value: 1000 }]);

    const unknown = receive(store, [receipt('R-1', 'DAP', 1, { purchaseOrder: { number: 'PO-9', line: 1 } })]);
    const wrong = receive(store, [
      receipt('R-2', 'DAP', 1, { purchaseOrder: { number: 'PO-1', line: 2 } }),
      receipt('R-3', 'POTASH', 1, { purchaseOrder: { number: 'PO-1', line: 1 } }),
    ]);

    await assert.rejects(unknown, (e: unknown) => e instanceof HubError && e.errors?.[0]?.path === '/receipts/0/purchaseOrder');
    await assert.rejects(wrong, (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.deepEqual(
        e.errors?.map((x) => x.path),
        ['/receipts/0/purchaseOrder/line', '/receipts/1/component'],
      );
      return true;
    });
    assert.deepEqual(store.applied, []);
  });
});

describe('stock counts', () => {
  test('a count sets the level; movements already known after its time apply on top of it', async () => {
    const store = memoryStockStore();
    await receive(store, [receipt('R-EARLY', 'DAP', 100, { at: '2026-11-01T08:00:00.000Z' })]);
    await receive(store, [receipt('R-LATE', 'DAP', 30, { at: '2026-11-03T08:00:00.000Z' })]);

    const { results } = await countStock(store, [count('C-1', 'DAP', 500, '2026-11-02T08:00:00.000Z')]);

    assert.deepEqual(
      results.map((r) => [r.countId, r.outcome]),
      [['C-1', 'created']],
    );
    const balance = balanceOf(store, 'DAP')!;
    assert.equal(balance.count?.id, 'C-1');
    assert.equal(balance.count?.value, '500');
    assert.deepEqual(balance.sums, { KGM: '30' }, 'the later receipt stays on top of the count; the earlier one is before it');
  });

  test('the same count again is unchanged', async () => {
    const store = memoryStockStore();
    await countStock(store, [count('C-1', 'DAP', 500, '2026-11-02T08:00:00.000Z')]);

    const again = await countStock(store, [count('C-1', 'DAP', 500, '2026-11-02T08:00:00.000Z')]);

    assert.equal(again.results[0]!.outcome, 'unchanged');
    assert.equal(balanceOf(store, 'DAP')?.version, 1);
  });
});

describe('races and storage failures', () => {
  test('a balance moved by another request between read and write: read again, and both count', async () => {
    // Prepare: a racing receipt lands on the same balance right before this request's write.
    const store = memoryStockStore();
    await receive(store, [receipt('R-0', 'DAP', 10)]);
    store.hooks.race = () => {
      const id = stockKeyId({ agency: AGENCY, number: 'DAP', location: null });
      const before = store.balances.get(id)!;
      store.balances.set(id, { ...before, sums: { KGM: '110' }, version: before.version + 1 });
    };

    // Act
    const { results } = await receive(store, [receipt('R-1', 'DAP', 5)]);

    // Assess
    assert.equal(results[0]!.outcome, 'created');
    assert.deepEqual(balanceOf(store, 'DAP')?.sums, { KGM: '115' });
    assert.equal(balanceOf(store, 'DAP')?.version, 3);
  });

  test('the same receipt stored by a racing twin: the retry answers unchanged and counts it once', async () => {
    const store = memoryStockStore();
    const twin = receipt('R-1', 'DAP', 5);
    store.hooks.race = () => {
      // The twin's identity item lands first (its balance write is not modelled here).
      store.documents.receipt.set('R-1', { kind: 'receipt', id: 'R-1', contentHash: contentHash(twin), doc: twin, receivedAt: NOW });
    };

    const { results } = await receive(store, [twin]);

    assert.equal(results[0]!.outcome, 'unchanged');
    assert.equal(balanceOf(store, 'DAP'), undefined, 'the loser moves no stock (the twin wrote its own balance)');
  });

  test('a request that keeps losing races gives up with kept-changing, and nothing is written', async () => {
    const store = memoryStockStore();
    store.hooks.loseNext = Number.POSITIVE_INFINITY;

    const attempt = receive(store, [receipt('R-1', 'DAP', 5)]);

    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing');
    assert.deepEqual(store.applied, []);
    assert.equal(store.balances.size, 0);
  });

  test('a request too large for one atomic write: too-many-writes, and nothing is written', async () => {
    // 50 receipts of 50 components: 50 documents and 50 balances with their ledger entries (150 actions > 100).
    const store = memoryStockStore();
    const receipts = Array.from({ length: 50 }, (_, i) => receipt(`R-${i}`, `C-${i}`, 1));

    const attempt = receive(store, receipts);

    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'too-many-writes');
    assert.deepEqual(store.applied, []);
    assert.equal(store.balances.size, 0);
    assert.equal(store.documents.receipt.size, 0);
  });

  test('storage throttling passes through as throttled (not retried as a race), and nothing is written', async () => {
    const store = memoryStockStore();
    store.hooks.failNext = new StorageError('throttled', 'storage throttled: ProvisionedThroughputExceededException');

    const attempt = countStock(store, [count('C-1', 'DAP', 5, '2026-11-02T08:00:00.000Z')]);

    await assert.rejects(attempt, (e: unknown) => e instanceof StorageError && e.failure === 'throttled');
    assert.deepEqual(store.applied, []);
    assert.equal(store.balances.size, 0);
  });
});

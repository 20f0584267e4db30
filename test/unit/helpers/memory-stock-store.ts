/**
 * Stock in memory for the stock use cases (and the stock side of record submissions), with the
 * conditions the real store (functions/store/stock-movements-store.ts) enforces: a balance or
 * purchase order written at the version it was read, a receipt or count id written once, and
 * the size of one atomic write. Hooks for racing writers and storage failures.
 */
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import type { MasterKind, MasterState } from '../../../functions/domain/master-data.ts';
import {
  type Balance,
  type BalanceChange,
  type Movement,
  type NewStockDocument,
  type StockDocument,
  type StockDocumentKind,
  type StockKey,
  type StockWrite,
  stockKeyId,
} from '../../../functions/domain/stock.ts';
import { retryOnConcurrentChange } from '../../../functions/shared/retry.ts';
import { stockWriteItems } from '../../../functions/store/stock-movements-store.ts';
import { assertTransactionSize } from '../../../functions/store/transact.ts';
import type { StockReadStore } from '../../../functions/use-cases/read-stock.ts';
import type { StockStore } from '../../../functions/use-cases/stock-movements.ts';
import { meetHooks, pickByIdentity, type WriteHooks } from './write-hooks.ts';

type Identity = { agency: string; number: string };

export function memoryStockStore() {
  const balances = new Map<string, Balance>();
  /** Ledger entries per balance (by stockKeyId): each the lines of one request. */
  const ledger = new Map<string, Movement[][]>();
  const documents: Record<StockDocumentKind, Map<string, NewStockDocument>> = { receipt: new Map(), count: new Map() };
  const masters: Record<MasterKind, Map<string, MasterState>> = { component: new Map(), recipe: new Map(), purchaseOrder: new Map() };

  /** Throws ConcurrentChangeError unless every balance is still at the version it was read at. */
  const checkBalances = (changes: readonly BalanceChange[]) => {
    for (const { next } of changes) {
      if ((balances.get(stockKeyId(next.key))?.version ?? 0) !== next.version) throw new ConcurrentChangeError();
    }
  };
  const writeBalances = (changes: readonly BalanceChange[]) => {
    for (const { next, lines } of changes) {
      const id = stockKeyId(next.key);
      balances.set(id, { ...structuredClone(next), version: next.version + 1 });
      ledger.set(id, [...(ledger.get(id) ?? []), structuredClone([...lines])]);
    }
  };

  const store = {
    balances,
    ledger,
    documents,
    masters,
    hooks: { race: null, loseNext: 0, failNext: null } as WriteHooks,
    /** Every write applied, in order. */
    applied: [] as StockWrite[],
    checkBalances,
    writeBalances,
    /** Puts a master-data document as the ERP's push would (version 1, or one more). */
    putMaster(kind: MasterKind, state: Omit<MasterState, 'version'>) {
      const id = identityKey(state.agency, state.number);
      masters[kind].set(id, { ...structuredClone(state), version: (masters[kind].get(id)?.version ?? 0) + 1 });
    },
    async loadBalances(_facility: string, keys: readonly StockKey[]) {
      const out = new Map<string, Balance>();
      for (const k of keys) {
        const b = balances.get(stockKeyId(k));
        if (b) out.set(stockKeyId(k), structuredClone(b));
      }
      return out;
    },
    async readLedger(_facility: string, key: StockKey, afterMs?: number) {
      const entries = ledger.get(stockKeyId(key)) ?? [];
      // As the real Query: the entries whose latest line is after the bound, every line of them.
      return structuredClone(entries.filter((lines) => afterMs === undefined || Math.max(...lines.map((l) => l.at)) > afterMs).flat());
    },
    async listBalances(_facility: string, number?: string) {
      return structuredClone([...balances.values()].filter((b) => number === undefined || b.key.number === number));
    },
    async loadStockDocuments(_facility: string, kind: StockDocumentKind, ids: readonly string[]) {
      const out = new Map<string, StockDocument>();
      for (const id of ids) {
        const d = documents[kind].get(id);
        if (d) out.set(id, { id: d.id, contentHash: d.contentHash });
      }
      return out;
    },
    async loadMasters(kind: MasterKind, _facility: string, ids: readonly Identity[]) {
      return pickByIdentity(masters[kind], ids, identityKey);
    },
    async listMasters(kind: MasterKind, _facility: string, number?: string, agency?: string) {
      return structuredClone(
        [...masters[kind].values()].filter(
          (m) => (number === undefined || m.number === number) && (agency === undefined || m.agency === agency),
        ),
      );
    },
    async apply(write: StockWrite) {
      meetHooks(store.hooks);
      assertTransactionSize(stockWriteItems(write));
      for (const d of write.documents) if (documents[d.kind].has(d.id)) throw new ConcurrentChangeError();
      for (const w of write.purchaseOrders) {
        if ((masters.purchaseOrder.get(identityKey(w.next.agency, w.next.number))?.version ?? 0) !== w.expectedVersion) {
          throw new ConcurrentChangeError();
        }
      }
      checkBalances(write.balances);
      for (const d of write.documents) documents[d.kind].set(d.id, structuredClone(d));
      for (const w of write.purchaseOrders) {
        masters.purchaseOrder.set(identityKey(w.next.agency, w.next.number), {
          ...structuredClone(w.next),
          version: w.expectedVersion + 1,
        });
      }
      writeBalances(write.balances);
      store.applied.push(write);
    },
    retryOnConcurrentChange,
  };
  return store satisfies StockStore & StockReadStore;
}

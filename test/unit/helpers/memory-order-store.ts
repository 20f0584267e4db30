/**
 * A table of orders in memory for the order use cases, with the optimistic lock the real
 * store (functions/store/order-store.ts) enforces: orders, early reports at orders' keys, the
 * guess for a batch of creates, the transaction's size limit, and hooks for racing writers and
 * storage failures.
 */
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import type { EarlyReport, OrderSlots, OrderState, OrderWrite } from '../../../functions/domain/work-orders.ts';
import type { OrderPushStore, OrderStore } from '../../../functions/use-cases/push-work-orders.ts';
import { meetHooks } from './write-hooks.ts';

type Identity = { agency: string; number: string };
const idOf = (i: Identity) => identityKey(i.agency, i.number);

export function memoryOrderStore() {
  const orders = new Map<string, OrderState>();
  const early = new Map<string, EarlyReport>();
  /** What is at these keys, as a read of the real store would answer (copies). */
  const slotsAt = (ids: readonly Identity[]): OrderSlots => {
    const slots: OrderSlots = { orders: new Map(), early: new Map() };
    for (const i of ids) {
      const o = orders.get(idOf(i));
      if (o) slots.orders.set(idOf(i), structuredClone(o));
      const e = early.get(idOf(i));
      if (e) slots.early.set(idOf(i), { ...e });
    }
    return slots;
  };
  const store = {
    orders,
    early,
    /** Every transaction written, in order. */
    writes: [] as OrderWrite[][],
    /** How many writes to come lose a race (throw ConcurrentChangeError, nothing written). */
    loseNext: 0,
    /** Thrown by the next write instead of writing (a storage failure: throttled, …). */
    failNext: null as Error | null,
    /** Runs once before the next write: a racing writer. */
    race: null as null | (() => void),
    /** How many times a push read its batch's keys (loadOrderSlots). */
    reads: 0,
    async loadOrders(_facility: string, ids: readonly Identity[]) {
      return slotsAt(ids).orders;
    },
    async loadOrderSlots(_facility: string, ids: readonly Identity[]): Promise<OrderSlots> {
      store.reads++;
      return slotsAt(ids);
    },
    /**
     * The real store's guess for a batch of creates: written when every key is empty, else
     * nothing written and what is at the taken keys answered, as the cancelled transaction does (no read).
     */
    async createOrders(writes: readonly OrderWrite[]): Promise<'created' | OrderSlots> {
      const taken = writes.filter((w) => orders.has(idOf(w.next)) || early.has(idOf(w.next)));
      if (taken.length > 0) return slotsAt(taken.map((w) => w.next));
      await store.writeOrders(writes);
      return 'created';
    },
    async writeOrders(writes: readonly OrderWrite[]) {
      // One transaction, as the real store writes it: at most 100 items.
      meetHooks(store, writes.length);
      for (const w of writes) {
        const id = idOf(w.next);
        if ((orders.get(id)?.version ?? early.get(id)?.version ?? 0) !== w.expectedVersion) throw new ConcurrentChangeError();
      }
      for (const w of writes) {
        orders.set(idOf(w.next), { ...w.next, version: w.expectedVersion + 1 });
        early.delete(idOf(w.next));
      }
      store.writes.push([...writes]);
    },
    async findOrders(_facility: string, number: string, agency?: string) {
      return [...orders.values()].filter((o) => o.number === number && (agency === undefined || o.agency === agency));
    },
  };
  return store satisfies OrderStore & OrderPushStore;
}

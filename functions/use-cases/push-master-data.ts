/**
 * Push components, recipes or purchase orders (ERP → hub): upserts by identifier, all or
 * nothing, decided by domain/master-data.ts against the documents as stored. Recipes and
 * purchase orders name only components the facility knows; a purchase order keeps what was
 * received against it across the ERP's updates, and its status follows both.
 */
import {
  checkLines,
  componentReferences,
  type MasterDocument,
  type MasterKind,
  type MasterResult,
  type MasterState,
  type MasterWrite,
  planMasterBatch,
  toStockComponents,
} from '../domain/master-data.ts';
import { parseReceived, purchaseOrderStatus } from '../domain/purchase-orders.ts';
import type { PurchaseOrder, Recipe } from '../generated/documents.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';

/** The reads and writes of a push (functions/store/master-data-store.ts). */
export interface MasterDataStore {
  loadMasters(
    kind: MasterKind,
    facilityId: string,
    identities: readonly { agency: string; number: string }[],
  ): Promise<Map<string, MasterState>>;
  writeMasters(kind: MasterKind, writes: readonly MasterWrite[]): Promise<void>;
}

/** The request envelope of each kind (its name in bodies, answers and error paths). */
export const MASTER_ENVELOPE: Readonly<Record<MasterKind, string>> = {
  component: 'components',
  recipe: 'recipes',
  purchaseOrder: 'purchaseOrders',
};

/** Applies a batch of one kind all or nothing; answers each document's outcome. */
export async function pushMasterData(
  store: MasterDataStore,
  { kind, facilityId, documents }: { kind: MasterKind; facilityId: string; documents: readonly MasterDocument[] },
  now: () => number = Date.now,
): Promise<{ results: MasterResult[]; written: number }> {
  const pointer = `/${MASTER_ENVELOPE[kind]}`;
  const withLines = kind === 'component' ? [] : (documents as (Recipe | PurchaseOrder)[]);
  return retryOnConcurrentChange(async () => {
    const [stored, components] = await Promise.all([
      store.loadMasters(
        kind,
        facilityId,
        documents.map((d) => d.identifier),
      ),
      store.loadMasters('component', facilityId, componentReferences(pointer, withLines)),
    ]);
    if (kind !== 'component') checkLines(pointer, withLines, new Set(components.keys()));
    const plan = planMasterBatch(facilityId, pointer, documents, stored, now());
    if (kind === 'purchaseOrder') {
      const known = toStockComponents(components);
      for (const w of plan.writes) {
        w.next.status = purchaseOrderStatus(w.next.doc as PurchaseOrder, parseReceived(w.next.received), known);
      }
    }
    await store.writeMasters(kind, plan.writes);
    return { results: plan.results, written: plan.writes.length };
  });
}

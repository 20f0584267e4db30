/**
 * ERP order management, one order at a time (MES style): PUT upserts an order by its number,
 * DELETE cancels it. Both follow the push lifecycle exactly (domain/work-orders.ts): the
 * upsert is a push of one document (use-cases/push-work-orders.ts), whose type is chosen from
 * whether the order exists; the cancel is planned by planOrderBatch from the stored content.
 */
import { identityKey } from '../domain/documents.ts';
import { conflict, type ErrorItem, HubError, invalidInput, notFound } from '../domain/errors.ts';
import type { Extras } from '../domain/legacy-form.ts';
import { type OrderOutcome, type OrderState, type OrderStatus, planOrderBatch, type WorkOrderDocument } from '../domain/work-orders.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import { type OrderPushStore, type OrderStore, pushWorkOrders } from './push-work-orders.ts';

/** The orders of a facility with a number (one, or several when agencies share it). */
export type FindOrders = (facilityId: string, number: string, agency?: string) => Promise<OrderState[]>;

export interface ManagedOrderResult {
  result: { index: 0; workOrderNumber: string; agency: string; outcome: OrderOutcome; revision: number };
  status: OrderStatus;
  /** The order as stored after the request. */
  order: OrderState;
}

/** Paths of a push's errors (`/dispensingWorkOrder/{i}/...`) as paths into the one document sent. */
function asSingleDocument(e: unknown): never {
  if (!(e instanceof HubError) || !e.errors) throw e;
  const errors: ErrorItem[] = e.errors.map((item) => ({
    ...item,
    path: item.path.replace(/^\/dispensingWorkOrder\/\d+/, '') || '/',
  }));
  throw new HubError(e.kind, e.message, errors);
}

/** Rounds before an upsert that keeps meeting a racing create of the same order gives up. */
const UPSERT_ROUNDS = 3;

/**
 * Upserts one order: unknown → created (on hold when the type is `hold`), known → updated or
 * held; cancelled, in progress or complete → 409. `pathNumber` and `agencyParam` are the URL's.
 */
export async function upsertWorkOrder(
  store: OrderStore & OrderPushStore,
  input: { facilityId: string; document: WorkOrderDocument; extras?: Extras; pathNumber: string; agencyParam?: string },
  now: () => number = Date.now,
): Promise<ManagedOrderResult> {
  const { facilityId, document, pathNumber, agencyParam } = input;
  const { agency, number } = document.workOrderIdentifier;
  if (number !== pathNumber) {
    throw invalidInput(`The document's work order number ${number} is not the number of the URL, ${pathNumber}.`, [
      { path: '/workOrderIdentifier/number', message: `must equal the path's workOrderNumber (${pathNumber})` },
    ]);
  }
  if (agencyParam !== undefined && agencyParam !== agency) {
    throw invalidInput(`?agency=${agencyParam} is not the document's agency, ${agency}.`, [
      { path: '/queryStringParameters/agency', message: `must equal the document's agency (${agency})` },
    ]);
  }
  if (document.workOrderType === 'cancel') {
    throw invalidInput('A PUT cannot cancel an order: send DELETE to the same URL.', [
      { path: '/workOrderType', message: 'must be create, update or hold (cancel with DELETE)' },
    ]);
  }
  const id = identityKey(agency, number);
  const hold = document.workOrderType === 'hold';
  for (let round = 1; ; round++) {
    const current = (await store.loadOrders(facilityId, [{ agency, number }])).get(id);
    // Unknown: a create (then a hold in the same atomic push); known: an update or a hold.
    const documents: WorkOrderDocument[] = current
      ? [{ ...document, workOrderType: hold ? 'hold' : 'update' }]
      : [{ ...document, workOrderType: 'create' }, ...(hold ? [{ ...document, workOrderType: 'hold' as const }] : [])];
    try {
      const extras = input.extras ? documents.map(() => input.extras) : undefined;
      const { results } = await pushWorkOrders(store, { facilityId, documents, ...(extras ? { extras } : {}) }, now);
      const order = (await store.loadOrders(facilityId, [{ agency, number }])).get(id)!;
      const outcome = current ? results[0]!.outcome : 'created';
      const revision = results.at(-1)!.revision;
      return { result: { index: 0, workOrderNumber: number, agency, outcome, revision }, status: order.status, order };
    } catch (e) {
      // Created by a racing request between our read and our push: decide again as an update.
      if (!current && e instanceof HubError && e.kind === 'conflict' && round < UPSERT_ROUNDS) continue;
      asSingleDocument(e);
    }
  }
}

/** The one order with this number (and agency): 404 when unknown, 409 when agencies share the number. */
export async function findOneOrder(findOrders: FindOrders, facilityId: string, number: string, agency?: string): Promise<OrderState> {
  const found = await findOrders(facilityId, number, agency);
  if (found.length === 0) {
    throw notFound(`No work order ${number}${agency ? ` (${agency})` : ''} at facility ${facilityId}.`);
  }
  if (found.length > 1) {
    throw conflict(`${found.length} agencies use work order number ${number} at this facility; add ?agency= to choose one.`, [
      ...found.map((o) => ({ path: '/queryStringParameters/agency', message: `candidate: ${o.agency}` })),
    ]);
  }
  return found[0]!;
}

/**
 * Cancels one order: cancelled (revision +1, served to pollers as a cancel), already cancelled
 * → unchanged, in progress or complete → 409, unknown → 404. The order's content is kept.
 */
export async function cancelWorkOrder(
  store: OrderStore & { findOrders: FindOrders },
  input: { facilityId: string; number: string; agency?: string },
  now: () => number = Date.now,
): Promise<ManagedOrderResult> {
  const { facilityId, number } = input;
  const { agency } = await findOneOrder(store.findOrders, facilityId, number, input.agency);
  const id = identityKey(agency, number);
  return retryOnConcurrentChange(async () => {
    const read = await store.loadOrders(facilityId, [{ agency, number }]);
    const current = read.get(id)!;
    let plan: ReturnType<typeof planOrderBatch>;
    try {
      // The order's content stays as it is, its extras with it.
      plan = planOrderBatch([{ ...current.doc, workOrderType: 'cancel' }], read, facilityId, now(), undefined, [current.extras]);
    } catch (e) {
      asSingleDocument(e);
    }
    await store.writeOrders(plan.writes);
    const order = plan.writes[0]?.next ?? current;
    const { outcome, revision } = plan.results[0]!;
    return { result: { index: 0, workOrderNumber: number, agency, outcome, revision }, status: order.status, order };
  });
}

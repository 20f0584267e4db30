/**
 * Acknowledge work orders (PCS → hub): each acknowledgement moves the order it names as
 * domain/acknowledgements.ts decides; the batch is written in one transaction.
 */
import { type AcknowledgementDocument, type AcknowledgementResult, planAcknowledgements } from '../domain/acknowledgements.ts';
import type { Extras } from '../domain/legacy-form.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import type { OrderStore } from './push-work-orders.ts';

/** Applies a batch of acknowledgements all or nothing (an unknown order fails the batch). */
export async function acknowledgeWorkOrders(
  store: OrderStore,
  {
    facilityId,
    acknowledgements,
    extras,
  }: { facilityId: string; acknowledgements: readonly AcknowledgementDocument[]; extras?: readonly (Extras | undefined)[] },
  now: () => number = Date.now,
): Promise<AcknowledgementResult[]> {
  const identities = acknowledgements.map((a) => a.workOrderIdentifier);
  return retryOnConcurrentChange(async () => {
    const plan = planAcknowledgements(acknowledgements, await store.loadOrders(facilityId, identities), now(), undefined, extras);
    await store.writeOrders(plan.writes);
    return plan.results;
  });
}

/**
 * Event function `recordDerive` (functions/events.ts): the table stream → record heads' derived
 * figures brought to their latest revision. The backstop of the request's own derive: what a
 * request left (races lost every round, a crash after its records were stored) and every
 * correction converge here, exactly once (the engine is idempotent per record revision). The
 * heads of one batch are derived together per facility (shared transactions, merged deltas), at
 * the first of them; the others find them done.
 */
import { streamHandler } from '../shared/event-handler.ts';
import { derivedFiguresStore, recordToDerive } from '../store/derive-store.ts';
import { deriveRecords } from '../use-cases/derive-records.ts';

export const handler = streamHandler(async (change, batch) => {
  const record = recordToDerive(change.dynamodb?.NewImage as never);
  if (!record) return;
  const { pending } = await batch.once(`derive ${record.facilityId}`, () => {
    const identities = batch.changes
      .map((c) => recordToDerive(c.dynamodb?.NewImage as never))
      .filter((r): r is NonNullable<typeof r> => r !== null && r.facilityId === record.facilityId);
    return deriveRecords(derivedFiguresStore, record.facilityId, identities);
  });
  // Still losing races: this change and the rest of the batch are retried (the engine counts nothing twice).
  if (pending > 0) throw new Error(`${pending} records at ${record.facilityId} kept losing races; retried`);
});

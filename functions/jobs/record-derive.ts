/**
 * Event function `recordDerive` (functions/events.ts): the table stream → a record head's
 * derived figures brought to its latest revision. The backstop of the request's own derive:
 * what a request left (races lost every round, a crash after its records were stored) and
 * every correction converge here, exactly once (the engine is idempotent per record revision).
 */
import { streamHandler } from '../shared/event-handler.ts';
import { derivedFiguresStore, recordToDerive } from '../store/derive-store.ts';
import { deriveRecords } from '../use-cases/derive-records.ts';

export const handler = streamHandler(async (change) => {
  const record = recordToDerive(change.dynamodb?.NewImage as never);
  if (!record) return;
  const { pending } = await deriveRecords(derivedFiguresStore, record.facilityId, [record]);
  // Still losing races: this change and the rest of the batch are retried (the engine counts nothing twice).
  if (pending > 0) throw new Error(`record ${record.number} (${record.agency}) kept losing races; retried`);
});

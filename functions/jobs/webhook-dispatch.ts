/**
 * Event function `webhookDispatch` (functions/events.ts): the table stream → due markers of the
 * subscriptions a change concerns. The first change of a batch dispatches every change of it,
 * side by side (`batch.once`): marks are idempotent, so the later changes find their work done,
 * and a batch that fails is dispatched again whole.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { streamHandler } from '../shared/event-handler.ts';
import { movedInStream } from '../store/stream-documents.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { dispatchChanges } from '../use-cases/deliver-webhooks.ts';

const movedOf = (change: DynamoDBRecord) =>
  movedInStream({ oldImage: change.dynamodb?.OldImage as never, newImage: change.dynamodb?.NewImage as never });

export const handler = streamHandler(async (_change, batch) => {
  await batch.once('dispatch the batch', () => dispatchChanges(webhookPorts, batch.changes, movedOf, batch));
});

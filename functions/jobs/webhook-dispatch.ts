/** Event function `webhookDispatch` (functions/events.ts): the table stream → due markers of the subscriptions a change concerns. */
import { streamHandler } from '../shared/event-handler.ts';
import { movedInStream } from '../store/stream-documents.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { dispatchChange } from '../use-cases/deliver-webhooks.ts';

export const handler = streamHandler(async (change, batch) => {
  const moved = movedInStream({ oldImage: change.dynamodb?.OldImage as never, newImage: change.dynamodb?.NewImage as never });
  await dispatchChange(webhookPorts, moved, batch);
});

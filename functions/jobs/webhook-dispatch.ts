/** Event function `webhookDispatch` (functions/events.ts): the table stream → due markers of the subscriptions a change concerns. */
import { streamHandler } from '../shared/event-handler.ts';
import { dispatchChange } from '../use-cases/deliver-webhooks.ts';

export const handler = streamHandler(async (change, batch) => {
  await dispatchChange({ oldImage: change.dynamodb?.OldImage as never, newImage: change.dynamodb?.NewImage as never }, batch);
});

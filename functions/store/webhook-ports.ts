/**
 * The real implementations of the webhook ports (use-cases/webhook-ports.ts), wired once for
 * the subscription handlers, the webhook jobs and the keys CLI.
 */
import { config } from '../shared/config.ts';
import { postWebhook, resolveEndpoint } from '../shared/webhook-post.ts';
import { deliveryLog } from './delivery-store.ts';
import { outboxStore } from './outbox-store.ts';
import { openSecret, sealSecret } from './secret-box.ts';
import { readDocuments } from './stream-documents.ts';
import { subscriptionStore } from './subscription-store.ts';

const rules = () => ({ allowLocal: config().webhookAllowLocal });

export const webhookPorts = {
  subscriptions: subscriptionStore,
  deliveries: deliveryLog,
  outbox: outboxStore,
  changes: { read: readDocuments },
  secrets: { seal: sealSecret, open: openSecret },
  endpoints: {
    resolve: async (url: URL) => {
      await resolveEndpoint(url, rules());
    },
    post: (url: string, body: string, headers: Record<string, string>) => postWebhook(url, body, headers, rules()),
  },
};

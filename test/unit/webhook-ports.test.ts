/** The port contracts (test/support/port-contracts.ts) on the in-memory webhook ports the unit tests use. */
import { deliveryLogContract, outboxContract, secretBoxContract, subscriptionStoreContract } from '../support/port-contracts.ts';
import { memoryDeliveryLog, memoryOutbox, memorySecretBox, memorySubscriptionStore } from './helpers/memory-webhooks.ts';

let n = 0;
const facility = () => `plant-${++n}`;

subscriptionStoreContract('in memory', { make: () => memorySubscriptionStore(), facility });
deliveryLogContract('in memory', {
  make: () => {
    const deliveries = memoryDeliveryLog();
    return { subscriptions: memorySubscriptionStore(deliveries), deliveries };
  },
  facility,
});
outboxContract('in memory', {
  make: () => memoryOutbox(),
  facility,
  legacy: {
    plant: async (outbox, marker) => outbox.plantLegacy(marker),
    holds: async (outbox, f, s) => [...outbox.legacy.values()].some((m) => m.facilityId === f && m.subscriptionId === s),
  },
});
secretBoxContract('in memory', { make: () => memorySecretBox() });

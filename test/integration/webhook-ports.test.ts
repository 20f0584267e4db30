/**
 * The port contracts (test/support/port-contracts.ts) on the real webhook stores (functions/store/)
 * against the tier's DynamoDB Local: the same table the shared stack serves, under facilities,
 * keys and subscriptions of this file's own.
 *
 * The store modules read their environment when first used (config() is cached, clients.ts reads
 * the local flag at import): it is set from the stack's local.json first, and the modules are
 * imported only then.
 */
import { useStackStores } from '../support/local-stack.ts';
import { deliveryLogContract, outboxContract, secretBoxContract, subscriptionStoreContract } from '../support/port-contracts.ts';
import { facilityNames, sharedStack } from '../support/shared-stack.ts';

const stack = sharedStack();
useStackStores(stack);

const { subscriptionStore } = await import('../../functions/store/subscription-store.ts');
const { deliveryLog } = await import('../../functions/store/delivery-store.ts');
const { outboxStore } = await import('../../functions/store/outbox-store.ts');
const { openSecret, sealSecret } = await import('../../functions/store/secret-box.ts');

const names = facilityNames('ports');
const facility = () => names.next();

subscriptionStoreContract('DynamoDB', { make: () => subscriptionStore, facility });
deliveryLogContract('DynamoDB', { make: () => ({ subscriptions: subscriptionStore, deliveries: deliveryLog }), facility });
outboxContract('DynamoDB', { make: () => outboxStore, facility });
// Locally (no KMS key) secrets are sealed with AES-GCM under a key from the hub secret in the table.
secretBoxContract('DynamoDB (local key)', { make: () => ({ seal: sealSecret, open: openSecret }) });

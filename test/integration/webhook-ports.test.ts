/**
 * The port contracts (test/support/port-contracts.ts) on the real webhook stores (functions/store/)
 * against the tier's DynamoDB Local: the same table the shared stack serves, under facilities,
 * keys and subscriptions of this file's own.
 *
 * The store modules read their environment when first used (config() is cached, clients.ts reads
 * the local flag at import): it is set from the stack's local.json first, and the modules are
 * imported only then.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../functions/shared/config.ts';
import type { LocalInstance } from '../../infra/local/instance.ts';
import { deliveryLogContract, outboxContract, secretBoxContract, subscriptionStoreContract } from '../support/port-contracts.ts';
import { facilityNames, sharedStack } from '../support/shared-stack.ts';

const stack = sharedStack();
const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as LocalInstance;
Object.assign(process.env, {
  [ENV.local]: '1',
  [ENV.tableName]: local.tableName,
  [ENV.dynamodbEndpoint]: local.dynamodbEndpoint,
  AWS_REGION: stack.env.AWS_REGION ?? 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});

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

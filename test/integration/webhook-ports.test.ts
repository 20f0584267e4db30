/**
 * The port contracts (test/support/port-contracts.ts) on the real webhook stores (functions/store/)
 * against the tier's DynamoDB Local: the same table the shared stack serves, under facilities,
 * keys and subscriptions of this file's own.
 *
 * The store modules read their environment when first used (config() is cached, clients.ts reads
 * the local flag at import): it is set from the stack's local.json first, and the modules are
 * imported only then.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { test } from 'vitest';
import { dueMarkerSk, LEGACY_OUTBOX_PK, OUTBOX_PKS, outboxPk, outboxShard } from '../../functions/store/keys.ts';
import { useStackStores } from '../support/local-stack.ts';
import { deliveryLogContract, outboxContract, secretBoxContract, subscriptionStoreContract } from '../support/port-contracts.ts';
import { facilityNames, localTable, sharedStack } from '../support/shared-stack.ts';

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
// The outbox's legacy partition, as the code before issue 30 wrote its markers.
const { db, tableName } = localTable(stack);
const legacyKey = (facilityId: string, subscriptionId: string) => ({ pk: LEGACY_OUTBOX_PK, sk: dueMarkerSk(facilityId, subscriptionId) });
outboxContract('DynamoDB', {
  make: () => outboxStore,
  facility,
  legacy: {
    plant: async (_outbox, { lastChange, leaseUntil, ...m }) => {
      const Item = {
        ...legacyKey(m.facilityId, m.subscriptionId),
        ...m,
        ...(lastChange === null ? {} : { lastChange }),
        ...(leaseUntil ? { leaseUntil } : {}),
      };
      await db.send(new PutCommand({ TableName: tableName, Item }));
    },
    holds: async (_outbox, f, s) =>
      (await db.send(new GetCommand({ TableName: tableName, Key: legacyKey(f, s), ConsistentRead: true }))).Item !== undefined,
  },
});
test('the outbox is sharded: 40 subscriptions marked due land in more than one partition, each in its own shard', async () => {
  // A day ahead, so that the running sender lists them but takes none.
  const T = Date.now() + 86_400_000;
  const f = facility();
  const subs = Array.from({ length: 40 }, () => `sub-${randomUUID()}`);
  await Promise.all(subs.map((s) => outboxStore.markDue(f, s, T, T)));
  const where = new Map<string, string>();
  for (const pk of [LEGACY_OUTBOX_PK, ...OUTBOX_PKS]) {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':pk': pk, ':f': `${f}#` },
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) where.set(item.subscriptionId as string, pk);
  }
  assert.equal(where.size, 40, 'every marker is somewhere');
  for (const s of subs) assert.equal(where.get(s), outboxPk(outboxShard(s)), `${s} in its shard`);
  assert.ok(new Set(where.values()).size > 1, `spread over ${new Set(where.values()).size} partitions`);
  assert.ok(![...where.values()].includes(LEGACY_OUTBOX_PK), 'nothing is written to the legacy partition');
  await Promise.all(subs.map((s) => outboxStore.drop(f, s)));
});

// Locally (no KMS key) secrets are sealed with AES-GCM under a key from the hub secret in the table.
secretBoxContract('DynamoDB (local key)', { make: () => ({ seal: sealSecret, open: openSecret }) });

/** Deliveries across a facility's subscriptions: merged newest first, filtered, paged without loss or repeats. */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { Delivery, Subscription } from '../../functions/domain/webhooks.ts';
import { type FacilityDeliveryPorts, facilityDeliveries } from '../../functions/use-cases/facility-deliveries.ts';

const hex = (n: number) => n.toString(16).padStart(24, '0');
function delivery(sub: string, i: number, status: Delivery['status']): Delivery {
  return {
    subscriptionId: sub,
    deliveryId: `dlv_${hex(i)}`,
    webhookId: `msg_${i}`,
    bodyHash: null,
    createdAt: new Date(Date.UTC(2026, 5, 1, 12, 0, i)).toISOString(),
    status,
    attempts: [],
    nextAttemptAt: null,
    retries: 0,
    lower: null,
    upper: 'x',
    windowStart: null,
    nextPosition: 'x',
    documents: 1,
  };
}

function ports(logs: Record<string, Delivery[]>): FacilityDeliveryPorts {
  const ref = (d: Pick<Delivery, 'createdAt' | 'deliveryId'>) => `DLV#${d.createdAt}#${d.deliveryId}`;
  return {
    subscriptions: { list: async () => Object.keys(logs).map((subscriptionId) => ({ subscriptionId }) as Subscription) },
    deliveries: {
      page: async (id, { status, limit, after }) => {
        const rows = logs[id]!.filter((d) => (!status || d.status === status) && (!after || ref(d) < ref(after))).sort((a, b) =>
          ref(a) < ref(b) ? 1 : -1,
        );
        return { deliveries: rows.slice(0, limit), more: rows.length > limit };
      },
    },
  };
}

test('every subscription of the facility, newest first, each row with its subscription; pages by cursor; ?status=failed', async () => {
  const logs = {
    sub_a: [0, 2, 4, 6].map((i) => delivery('sub_a', i, i === 4 ? 'failed' : 'delivered')),
    sub_b: [1, 3, 5].map((i) => delivery('sub_b', i, i === 1 ? 'failed' : 'delivered')),
  };
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await facilityDeliveries(ports(logs), 'F', { limit: '3', ...(cursor ? { cursor } : {}) });
    seen.push(...page.deliveries.map((d) => `${d.subscriptionId}:${d.webhookId}`));
    cursor = page.next ?? undefined;
  } while (cursor);
  assert.deepEqual(seen, ['sub_a:msg_6', 'sub_b:msg_5', 'sub_a:msg_4', 'sub_b:msg_3', 'sub_a:msg_2', 'sub_b:msg_1', 'sub_a:msg_0']);
  const failed = await facilityDeliveries(ports(logs), 'F', { status: 'failed' });
  assert.deepEqual(
    failed.deliveries.map((d) => d.webhookId),
    ['msg_4', 'msg_1'],
  );
  assert.equal(failed.next, null);
  await assert.rejects(facilityDeliveries(ports(logs), 'F', { status: 'lost' }));
  await assert.rejects(facilityDeliveries(ports(logs), 'F', { cursor: 'bm9wZQ' }));
});

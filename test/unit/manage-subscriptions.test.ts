/** The subscription routes' logic on in-memory ports: limits under a race, ownership, rotation, replay, enable, the log, revocation. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import type { Delivery } from '../../functions/domain/webhooks.ts';
import type { Caller } from '../../functions/shared/caller.ts';
import { WEBHOOK_SETTINGS } from '../../functions/shared/config.ts';
import {
  deliveryLog,
  describe as describeSubscription,
  disableSubscriptionsOfKey,
  enable,
  findOwn,
  listOwn,
  replay,
  rotateSecret,
  signingSecrets,
  subscribe,
  unsubscribe,
} from '../../functions/use-cases/manage-subscriptions.ts';
import { memoryWebhookPorts } from './helpers/memory-webhooks.ts';

const FAC = 'plant-1';
const erp = (keyId = 'erp-1', facilities = [FAC]): Caller => ({ keyId, role: 'erp', facilities, format: 'canonical', timeZone: null });
const pcs = (keyId = 'pcs-1'): Caller => ({ keyId, role: 'pcs', facilities: [FAC], format: 'canonical', timeZone: null });
const ORDERS = { url: 'https://hooks.example/orders', events: 'dispensingWorkOrder' };
const RECORDS = { url: 'https://hooks.example/records', events: 'dispensingWorkRecord' };

const kindOf = (e: unknown) => (e instanceof HubError ? e.kind : e instanceof StorageError ? e.failure : String(e));
async function refused(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (e) {
    return kindOf(e);
  }
  throw new Error('expected a refusal');
}

describe('subscribe', () => {
  test('stores the subscription with its secret sealed, answers the secret once, and marks it due after the settle delay', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const made = await subscribe(ports, pcs(), FAC, ORDERS, now);
    assert.match(made.secret, /^whsec_/);
    const stored = ports.subscriptions.stored({ facilityId: FAC, subscriptionId: made.subscriptionId })!;
    assert.notEqual(stored.secret, made.secret, 'never stored in the clear');
    assert.equal(await ports.secrets.open(stored.secret, made.subscriptionId), made.secret);
    assert.equal(stored.status, 'active');
    assert.equal(stored.format, 'canonical');
    const listed = await listOwn(ports, pcs(), FAC);
    assert.deepEqual(
      listed.map((s) => s.subscriptionId),
      [made.subscriptionId],
    );
    assert.ok(!('secret' in listed[0]!), 'a listing never shows a secret');
    const marker = [...ports.outbox.markers.values()][0]!;
    assert.equal(marker.subscriptionId, made.subscriptionId);
    assert.ok(marker.dueAt > now, 'looked at once the settle delay has passed');
  });

  test('a kind the key may not poll is refused (403), an unknown kind and an older form of a canonical-only kind are 400', async () => {
    const ports = memoryWebhookPorts();
    assert.equal(await refused(subscribe(ports, pcs(), FAC, RECORDS)), 'forbidden');
    assert.equal(await refused(subscribe(ports, erp(), FAC, { ...ORDERS, events: 'sandwiches' })), 'invalid-input');
    assert.equal(await refused(subscribe(ports, erp(), FAC, { ...ORDERS, events: 'components', format: 'legacy' })), 'invalid-input');
    assert.equal(ports.subscriptions.subs.size, 0);
    assert.equal(ports.outbox.markers.size, 0);
  });

  test('at most 10 per key and facility, also when the 11th and 12th race the others', async () => {
    const ports = memoryWebhookPorts();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => subscribe(ports, pcs(), FAC, ORDERS)));
    const created = results.filter((r) => r.status === 'fulfilled');
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => kindOf(r.reason));
    assert.equal(created.length, WEBHOOK_SETTINGS.maxPerKeyAndFacility);
    assert.deepEqual(refusals, ['conflict', 'conflict']);
    assert.equal(ports.subscriptions.subs.size, 10);
    // Another key, or the same key at another facility, has its own ten.
    await subscribe(ports, pcs('pcs-2'), FAC, ORDERS);
    // One deleted frees a place.
    await unsubscribe(ports, pcs(), FAC, created[0]!.value.subscriptionId);
    await subscribe(ports, pcs(), FAC, ORDERS);
  });

  test('throttled storage: the request fails as throttled and nothing is stored or marked', async () => {
    const ports = memoryWebhookPorts();
    ports.subscriptions.faults.throttleNext = 1;
    assert.equal(await refused(subscribe(ports, pcs(), FAC, ORDERS)), 'throttled');
    assert.equal(ports.subscriptions.subs.size, 0);
    assert.equal(ports.outbox.markers.size, 0);
  });
});

describe('who sees a subscription', () => {
  test("another key's subscription looks like none (404); an erp key of every facility sees all", async () => {
    const ports = memoryWebhookPorts();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS);
    assert.equal(await refused(findOwn(ports, pcs('pcs-2'), FAC, subscriptionId)), 'not-found');
    assert.equal(await refused(rotateSecret(ports, pcs('pcs-2'), FAC, subscriptionId)), 'not-found');
    assert.equal(await refused(findOwn(ports, pcs(), FAC, 'sub_not-an-id')), 'not-found');
    assert.deepEqual(await listOwn(ports, pcs('pcs-2'), FAC), []);
    const all = erp('erp-all', ['*']);
    assert.equal((await findOwn(ports, all, FAC, subscriptionId)).subscriptionId, subscriptionId);
    assert.equal((await listOwn(ports, all, FAC)).length, 1);
  });

  test("an operator key of the facility sees every key's subscriptions there, and may replay and enable them", async () => {
    const ports = memoryWebhookPorts();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS);
    const operator: Caller = { keyId: 'op-1', role: 'operator', facilities: [FAC], format: 'canonical', timeZone: null };
    assert.deepEqual(
      (await listOwn(ports, operator, FAC)).map((s) => s.subscriptionId),
      [subscriptionId],
    );
    assert.equal((await findOwn(ports, operator, FAC, subscriptionId)).subscriptionId, subscriptionId);
    assert.ok((await replay(ports, operator, FAC, subscriptionId, new Date(Date.now() - 60_000).toISOString())).replayId);
    assert.equal((await enable(ports, operator, FAC, subscriptionId)).status, 'active');
  });

  test('delete removes it and its outbox marker', async () => {
    const ports = memoryWebhookPorts();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS);
    await unsubscribe(ports, pcs(), FAC, subscriptionId);
    assert.equal(ports.subscriptions.subs.size, 0);
    assert.equal(ports.outbox.markers.size, 0);
    assert.equal(await refused(unsubscribe(ports, pcs(), FAC, subscriptionId)), 'not-found');
  });
});

describe('rotate the secret', () => {
  test('the new secret signs at once; the old one signs beside it for the overlap, then no more', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const { subscriptionId, secret: first } = await subscribe(ports, pcs(), FAC, ORDERS, now);
    const { secret: second } = await rotateSecret(ports, pcs(), FAC, subscriptionId, now);
    assert.notEqual(second, first);
    const sub = ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!;
    assert.deepEqual(await signingSecrets(ports.secrets, sub, now + 1000), [second, first]);
    assert.deepEqual(await signingSecrets(ports.secrets, sub, now + WEBHOOK_SETTINGS.rotationOverlapMs + 1), [second]);
  });

  test('a rotation that loses a race to another writer reads again: both changes are kept', async () => {
    const ports = memoryWebhookPorts();
    const { subscriptionId, secret: first } = await subscribe(ports, pcs(), FAC, ORDERS);
    ports.subscriptions.faults.race = () => ports.subscriptions.bump({ facilityId: FAC, subscriptionId }, { description: 'meanwhile' });
    const { secret } = await rotateSecret(ports, pcs(), FAC, subscriptionId);
    const sub = ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!;
    assert.equal(sub.description, 'meanwhile');
    assert.deepEqual(await signingSecrets(ports.secrets, sub, Date.now()), [secret, first]);
  });

  test('a subscription that keeps changing under every round: kept-changing, nothing rotated', async () => {
    const ports = memoryWebhookPorts();
    const { subscriptionId, secret } = await subscribe(ports, pcs(), FAC, ORDERS);
    const store = ports.subscriptions;
    const again = () => {
      store.bump({ facilityId: FAC, subscriptionId });
      store.faults.race = again;
    };
    store.faults.race = again;
    assert.equal(await refused(rotateSecret(ports, pcs(), FAC, subscriptionId)), 'kept-changing');
    store.faults.race = null;
    const sub = store.stored({ facilityId: FAC, subscriptionId })!;
    assert.deepEqual(await signingSecrets(ports.secrets, sub, Date.now()), [secret]);
  });
});

describe('replay and enable', () => {
  test('replay keeps the earliest point asked for and marks the subscription due now; a time in the future is 400', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS, now);
    const at = (ms: number) => new Date(ms).toISOString();
    await replay(ports, pcs(), FAC, subscriptionId, at(now - 3_600_000), now);
    await replay(ports, pcs(), FAC, subscriptionId, at(now - 60_000), now);
    assert.equal(ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!.replayFrom, at(now - 3_600_000));
    assert.equal([...ports.outbox.markers.values()][0]!.dueAt, now);
    assert.equal(await refused(replay(ports, pcs(), FAC, subscriptionId, at(now + 60_000), now)), 'invalid-input');
  });

  test('enable resumes the delivery it stopped at, at once and with its retries counted afresh', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS, now);
    const sub = ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!;
    const stuck: Delivery = {
      subscriptionId,
      deliveryId: 'dlv_000000000000000000000001',
      webhookId: 'msg_1',
      bodyHash: null,
      createdAt: new Date(now).toISOString(),
      status: 'pending',
      attempts: [],
      nextAttemptAt: null,
      retries: 5,
      lower: null,
      upper: 'u',
      windowStart: null,
      nextPosition: 'u',
      documents: 1,
    };
    await ports.subscriptions.update(sub, { status: 'disabled', disabledReason: 'the endpoint answered 410 Gone' }, { start: stuck });
    const view = await enable(ports, pcs(), FAC, subscriptionId, now + 5);
    assert.equal(view.status, 'active');
    assert.equal(view.disabledReason, null);
    const resumed = ports.deliveries.all(subscriptionId)[0]!;
    assert.equal(resumed.nextAttemptAt, now + 5);
    assert.equal(resumed.retries, 0);
    assert.equal([...ports.outbox.markers.values()][0]!.dueAt, now + 5);
  });

  test("a revoked key's subscriptions are disabled, counted once, and cannot be enabled again", async () => {
    const ports = memoryWebhookPorts();
    const a = await subscribe(ports, pcs(), FAC, ORDERS);
    await subscribe(ports, pcs(), 'plant-2', ORDERS);
    await subscribe(ports, pcs('pcs-2'), FAC, ORDERS);
    assert.equal(await disableSubscriptionsOfKey(ports, 'pcs-1'), 2);
    assert.equal(await disableSubscriptionsOfKey(ports, 'pcs-1'), 0, 'already disabled');
    assert.equal(ports.subscriptions.stored({ facilityId: FAC, subscriptionId: a.subscriptionId })!.disabledReason, 'key revoked');
    assert.equal(await refused(enable(ports, pcs(), FAC, a.subscriptionId)), 'conflict');
    const other = await listOwn(ports, pcs('pcs-2'), FAC);
    assert.equal(other[0]!.status, 'active');
  });
});

describe('the delivery log', () => {
  async function withLog(n: number) {
    const ports = memoryWebhookPorts();
    const { subscriptionId } = await subscribe(ports, pcs(), FAC, ORDERS);
    let sub = ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!;
    for (let i = 0; i < n; i++) {
      const d: Delivery = {
        subscriptionId,
        deliveryId: `dlv_${String(i).padStart(24, '0')}`,
        webhookId: `msg_${i}`,
        bodyHash: null,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        status: i % 3 === 0 ? 'failed' : 'delivered',
        attempts: [],
        nextAttemptAt: null,
        retries: 0,
        lower: null,
        upper: 'u',
        windowStart: null,
        nextPosition: 'u',
        documents: 1,
      };
      sub = (await ports.subscriptions.update(sub, {}, { start: d }))!;
    }
    return { ports, sub };
  }

  test('pages newest first by cursor, filters by status, and counts pending and failed', async () => {
    const { ports, sub } = await withLog(7);
    const first = await deliveryLog(ports, sub, { limit: '3' });
    assert.deepEqual(
      first.deliveries.map((d) => d.webhookId),
      ['msg_6', 'msg_5', 'msg_4'],
    );
    const second = await deliveryLog(ports, sub, { limit: '3', cursor: first.next! });
    assert.deepEqual(
      second.deliveries.map((d) => d.webhookId),
      ['msg_3', 'msg_2', 'msg_1'],
    );
    const last = await deliveryLog(ports, sub, { limit: '3', cursor: second.next! });
    assert.deepEqual(
      last.deliveries.map((d) => d.webhookId),
      ['msg_0'],
    );
    assert.equal(last.next, null);
    const failed = await deliveryLog(ports, sub, { status: 'failed' });
    assert.deepEqual(
      failed.deliveries.map((d) => d.webhookId),
      ['msg_6', 'msg_3', 'msg_0'],
    );
    const described = await describeSubscription(ports, sub);
    assert.equal(described.failed, 3);
    assert.equal(described.pending, 0);
  });

  test('a status, limit or cursor this hub does not know is 400', async () => {
    const { ports, sub } = await withLog(1);
    assert.equal(await refused(deliveryLog(ports, sub, { status: 'lost' })), 'invalid-input');
    assert.equal(await refused(deliveryLog(ports, sub, { limit: '0' })), 'invalid-input');
    assert.equal(await refused(deliveryLog(ports, sub, { limit: '101' })), 'invalid-input');
    assert.equal(await refused(deliveryLog(ports, sub, { cursor: Buffer.from('DLV#x').toString('base64url') })), 'invalid-input');
  });
});

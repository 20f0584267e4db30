/**
 * The subscription routes' logic: create (secret shown once), list, get with its delivery
 * state, delete, rotate the secret, replay, enable, read the delivery log, and disable every
 * subscription of a revoked key. Who may see one: the key that made it, or an erp key of every
 * facility (`*`); the route's own check has already refused keys outside the facility (403).
 */
import type { DocumentFormat } from '../domain/api-keys.ts';
import { conflict, forbidden, invalidInput, notFound } from '../domain/errors.ts';
import { isoMs, parseClientTime } from '../domain/time.ts';
import { checkWebhookUrl, isSubscriptionId, newId, newWebhookSecret } from '../domain/webhooks.ts';
import type { Caller } from '../shared/caller.ts';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { resolveEndpoint } from '../shared/webhook-post.ts';
import { openSecret, sealSecret } from '../store/secret-box.ts';
import {
  countDeliveries,
  createSubscription,
  type Delivery,
  deleteSubscription,
  deliveryRewrite,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  markDue,
  type Subscription,
  subscriptionsOfKey,
  TooManySubscriptionsError,
  updateSubscription,
} from '../store/subscription-store.ts';
import { retryOnConcurrentChange } from '../store/transact.ts';
import { polledKind, rolesOf } from './polled-kinds.ts';

export interface SubscriptionRequest {
  url: string;
  events: string;
  format?: DocumentFormat;
  description?: string;
}

const rules = () => ({ allowLocal: config().webhookAllowLocal });
/** The disabledReason of a revoked key's subscriptions (API.md names it). */
const REVOKED = 'key revoked';
/** A change just written becomes servable after the settle delay; the sender looks a moment later. */
export const dueAfterSettle = (now: number) => now + config().pollSettleMs + 500;

/** The subscription as the API shows it (never a secret). */
export function subscriptionView(s: Subscription) {
  return {
    subscriptionId: s.subscriptionId,
    url: s.url,
    events: s.events,
    format: s.format,
    description: s.description,
    status: s.status,
    createdAt: s.createdAt,
    disabledReason: s.disabledReason,
  };
}

/** Creates a subscription of the caller at the facility; answers it with its secret (shown only here). */
export async function subscribe(caller: Caller, facilityId: string, req: SubscriptionRequest, now = Date.now()) {
  const kind = polledKind(req.events);
  if (!kind) throw invalidInput(`events ${req.events} is not a kind this hub serves.`, [{ path: '/events', message: 'unknown kind' }]);
  if (!rolesOf(kind).includes(caller.role))
    throw forbidden(`A ${caller.role} key may not poll ${req.events}, so it may not subscribe to it.`);
  const format = req.format ?? caller.format;
  if (format !== 'canonical' && kind.legacy === null) {
    throw invalidInput(`${req.events} has no older form: format must be canonical.`, [{ path: '/format', message: 'canonical only' }]);
  }
  const url = checkWebhookUrl(req.url, rules());
  // Locally any host goes; on AWS the name must resolve, and only to public addresses.
  if (!rules().allowLocal) await resolveEndpoint(url, rules());
  const subscriptionId = newId('sub');
  const secret = newWebhookSecret();
  const createdAt = new Date(now).toISOString();
  const sub: Subscription = {
    subscriptionId,
    facilityId,
    keyId: caller.keyId,
    url: url.href,
    events: req.events,
    format,
    description: req.description ?? null,
    status: 'active',
    disabledReason: null,
    createdAt,
    secret: await sealSecret(secret, subscriptionId),
    previousSecret: null,
    previousUntil: null,
    // Changes from now on are delivered (the past is the poll's initial load, or a replay's).
    position: isoMs(now),
    replayFrom: null,
    current: null,
    failingSince: null,
    lastDeliveryAt: null,
    version: 1,
  };
  try {
    await createSubscription(sub);
  } catch (e) {
    if (e instanceof TooManySubscriptionsError) {
      throw conflict(`This key has ${WEBHOOK_SETTINGS.maxPerKeyAndFacility} subscriptions at ${facilityId} already, the most allowed.`);
    }
    throw e;
  }
  // A change written while this was stored may have missed it: look once after the settle delay.
  await markDue(facilityId, subscriptionId, dueAfterSettle(now), now);
  return { ...subscriptionView(sub), secret };
}

const seesAll = (caller: Caller) => caller.role === 'erp' && caller.facilities.includes('*');

/** The subscriptions the caller may see at the facility. */
export async function listOwn(caller: Caller, facilityId: string) {
  const all = await listSubscriptions(facilityId);
  return all.filter((s) => seesAll(caller) || s.keyId === caller.keyId).map(subscriptionView);
}

/** The subscription, if the caller may see it; 404 otherwise (another key's looks like none). */
export async function findOwn(caller: Caller, facilityId: string, subscriptionId: string): Promise<Subscription> {
  const sub = isSubscriptionId(subscriptionId) ? await getSubscription(facilityId, subscriptionId) : null;
  if (!sub || !(seesAll(caller) || sub.keyId === caller.keyId)) throw notFound(`No subscription ${subscriptionId} at ${facilityId}.`);
  return sub;
}

/** The subscription with its delivery state. */
export async function describe(sub: Subscription) {
  const [pending, failed] = await Promise.all([
    countDeliveries(sub.subscriptionId, 'pending'),
    countDeliveries(sub.subscriptionId, 'failed'),
  ]);
  return { ...subscriptionView(sub), pending, failed, lastDeliveryAt: sub.lastDeliveryAt };
}

export async function unsubscribe(caller: Caller, facilityId: string, subscriptionId: string): Promise<void> {
  await deleteSubscription(await findOwn(caller, facilityId, subscriptionId));
}

/** A new secret; the one it replaces signs beside it for 24 hours. */
export async function rotateSecret(caller: Caller, facilityId: string, subscriptionId: string, now = Date.now()) {
  const secret = newWebhookSecret();
  const sealed = await sealSecret(secret, subscriptionId);
  await retryOnConcurrentChange(async () => {
    const sub = await findOwn(caller, facilityId, subscriptionId);
    await updateSubscription(sub, { secret: sealed, previousSecret: sub.secret, previousUntil: now + WEBHOOK_SETTINGS.rotationOverlapMs });
  });
  return { secret };
}

/** Delivers again every change since `since` (the latest version of each, as a poll would). */
export async function replay(caller: Caller, facilityId: string, subscriptionId: string, sinceText: string, now = Date.now()) {
  const since = parseClientTime(sinceText, 'since');
  if (since > now) throw invalidInput('since must not be in the future.', [{ path: '/since', message: 'in the future' }]);
  await retryOnConcurrentChange(async () => {
    const sub = await findOwn(caller, facilityId, subscriptionId);
    const from = isoMs(since);
    const replayFrom = sub.replayFrom !== null && sub.replayFrom < from ? sub.replayFrom : from;
    await updateSubscription(sub, { replayFrom });
  });
  await markDue(facilityId, subscriptionId, now);
  return { replayId: newId('rpl') };
}

/** Re-enables a subscription: the delivery it stopped at is retried at once, then the rest follows. */
export async function enable(caller: Caller, facilityId: string, subscriptionId: string, now = Date.now()) {
  const sub = await retryOnConcurrentChange(async () => {
    const found = await findOwn(caller, facilityId, subscriptionId);
    if (found.disabledReason === REVOKED)
      throw conflict('The key that made this subscription was revoked: subscribe again with a valid key.');
    const current: Delivery | null = found.current ? await getDelivery(subscriptionId, found.current) : null;
    const also = current && current.status === 'pending' ? [deliveryRewrite({ ...current, nextAttemptAt: now, retries: 0 })] : [];
    return updateSubscription(found, { status: 'active', disabledReason: null, failingSince: null }, also);
  });
  await markDue(facilityId, subscriptionId, now);
  return subscriptionView(sub);
}

const CURSOR = /^DLV#[0-9TZ:.-]{24}#dlv_[0-9a-f]{24}$/;

/** A page of the delivery log, newest first. */
export async function deliveryLog(sub: Subscription, query: { status?: string; limit?: string; cursor?: string }) {
  const status = query.status;
  if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) {
    throw invalidInput('status must be pending, delivered or failed.', [
      { path: '/queryStringParameters/status', message: 'unknown status' },
    ]);
  }
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidInput('limit must be an integer from 1 to 100.', [{ path: '/queryStringParameters/limit', message: 'out of range' }]);
  }
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(after))
      throw invalidInput('cursor is not one this hub issued.', [{ path: '/queryStringParameters/cursor', message: 'invalid cursor' }]);
  }
  const page = await listDeliveries(sub.subscriptionId, { status, limit, after });
  return {
    deliveries: page.deliveries.map((d) => ({
      deliveryId: d.deliveryId,
      webhookId: d.webhookId,
      createdAt: d.createdAt,
      documents: d.documents,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.nextAttemptAt === null ? null : new Date(d.nextAttemptAt).toISOString(),
    })),
    next: page.last === null ? null : Buffer.from(page.last, 'utf8').toString('base64url'),
  };
}

/** Disables every subscription of a key (the keys CLI's revoke); returns how many. */
export async function disableSubscriptionsOfKey(keyId: string, reason = REVOKED): Promise<number> {
  let n = 0;
  for (const { facilityId, subscriptionId } of await subscriptionsOfKey(keyId)) {
    await retryOnConcurrentChange(async () => {
      const sub = await getSubscription(facilityId, subscriptionId);
      if (!sub || sub.status === 'disabled') return;
      await updateSubscription(sub, { status: 'disabled', disabledReason: reason });
      n++;
    });
  }
  return n;
}

/** The secrets that sign now: the current one, and the previous one during its overlap. */
export async function signingSecrets(sub: Subscription, now: number): Promise<string[]> {
  const secrets = [await openSecret(sub.secret, sub.subscriptionId)];
  if (sub.previousSecret && sub.previousUntil !== null && sub.previousUntil > now) {
    secrets.push(await openSecret(sub.previousSecret, sub.subscriptionId));
  }
  return secrets;
}

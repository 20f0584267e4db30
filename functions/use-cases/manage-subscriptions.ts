/**
 * The subscription routes' logic: create (secret shown once), list, get with its delivery
 * state, delete, rotate the secret, replay, enable, read the delivery log, and disable every
 * subscription of a revoked key. Who may see one: the key that made it, an erp key of every
 * facility (`*`), or an operator key (which the route table lets only read, replay and enable);
 * the route's own check has already refused keys outside the facility (403).
 */
import type { DocumentFormat } from '../domain/api-keys.ts';
import { conflict, forbidden, invalidInput, notFound } from '../domain/errors.ts';
import { isoMs, parseClientTime } from '../domain/time.ts';
import {
  checkWebhookUrl,
  deliveryCursor,
  deliveryPageQuery,
  deliveryView,
  isSubscriptionId,
  newId,
  newWebhookSecret,
  type Subscription,
  type SubscriptionDecision,
} from '../domain/webhooks.ts';
import type { Caller } from '../shared/caller.ts';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { polledKind } from './polled-kinds.ts';
import type { SecretBox, WebhookPorts } from './webhook-ports.ts';

/** What the subscription routes need (use-cases/webhook-ports.ts; store/webhook-ports.ts wires the real ones). */
export type SubscriptionPorts = Pick<WebhookPorts, 'subscriptions' | 'deliveries' | 'outbox' | 'secrets' | 'endpoints'>;

export interface SubscriptionRequest {
  url: string;
  events: string;
  format?: DocumentFormat;
  description?: string;
}

const rules = () => ({ allowLocal: config().webhookAllowLocal });
/** The disabledReason of a revoked key's subscriptions (API.md names it). */
const REVOKED = 'key revoked';
/**
 * How old a change must be before the sender takes it as settled: the settle delay and a margin
 * (`WEBHOOK_SETTINGS.settleMarginMs`) for the clocks of the functions that stamp, see and send a
 * change. A new delivery's slice ends this far back, and a change seen at `now` is due this long
 * after: the sender's "nothing further to look for" rests on the two agreeing.
 */
export const webhookSettleMs = () => config().pollSettleMs + WEBHOOK_SETTINGS.settleMarginMs;
/** When a change seen at `now` is servable to a subscription: the sender looks then. */
export const dueAfterSettle = (now: number) => now + webhookSettleMs();

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
export async function subscribe(ports: SubscriptionPorts, caller: Caller, facilityId: string, req: SubscriptionRequest, now = Date.now()) {
  const kind = polledKind(req.events);
  if (!kind) throw invalidInput(`events ${req.events} is not a kind this hub serves.`, [{ path: '/events', message: 'unknown kind' }]);
  if (!kind.pollers.includes(caller.role))
    throw forbidden(`A ${caller.role} key may not poll ${req.events}, so it may not subscribe to it.`);
  const format = req.format ?? caller.format;
  if (format !== 'canonical' && kind.legacy === null) {
    throw invalidInput(`${req.events} has no older form: format must be canonical.`, [{ path: '/format', message: 'canonical only' }]);
  }
  const url = checkWebhookUrl(req.url, rules());
  // Locally any host goes; on AWS the name must resolve, and only to public addresses.
  if (!rules().allowLocal) await ports.endpoints.resolve(url);
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
    secret: await ports.secrets.seal(secret, subscriptionId),
    previousSecret: null,
    previousUntil: null,
    // Changes from now on are delivered (the past is the poll's initial load, or a replay's).
    position: isoMs(now),
    replayFrom: null,
    replays: 0,
    current: null,
    failingSince: null,
    lastDeliveryAt: null,
    version: 1,
  };
  if ((await ports.subscriptions.create(sub, WEBHOOK_SETTINGS.maxPerKeyAndFacility)) === 'limit-reached') {
    throw conflict(`This key has ${WEBHOOK_SETTINGS.maxPerKeyAndFacility} subscriptions at ${facilityId} already, the most allowed.`);
  }
  // A change written while this was stored may have missed it: look once after the settle delay.
  await ports.outbox.markDue(facilityId, subscriptionId, dueAfterSettle(now), now);
  return { ...subscriptionView(sub), secret };
}

/** An erp key of every facility, and an operator key at its facilities (the route checked them), see every key's subscriptions. */
const seesAll = (caller: Caller) => caller.role === 'operator' || (caller.role === 'erp' && caller.facilities.includes('*'));

/** The subscriptions the caller may see at the facility. */
export async function listOwn(ports: SubscriptionPorts, caller: Caller, facilityId: string) {
  const all = await ports.subscriptions.list(facilityId);
  return all.filter((s) => seesAll(caller) || s.keyId === caller.keyId).map(subscriptionView);
}

/** The subscription as read, if the caller may see it; 404 otherwise (another key's looks like none). */
function own(caller: Caller, facilityId: string, subscriptionId: string, sub: Subscription | null): Subscription {
  if (!sub || !(seesAll(caller) || sub.keyId === caller.keyId)) throw notFound(`No subscription ${subscriptionId} at ${facilityId}.`);
  return sub;
}

/** The subscription, if the caller may see it; 404 otherwise (another key's looks like none). */
export async function findOwn(ports: SubscriptionPorts, caller: Caller, facilityId: string, subscriptionId: string): Promise<Subscription> {
  const sub = isSubscriptionId(subscriptionId) ? await ports.subscriptions.get(facilityId, subscriptionId) : null;
  return own(caller, facilityId, subscriptionId, sub);
}

/**
 * Read-decide-write on one of the caller's subscriptions: `decide` gets it as stored now
 * (again if another writer changed it meanwhile) and answers what to change.
 */
async function modifyOwn(
  ports: SubscriptionPorts,
  caller: Caller,
  facilityId: string,
  subscriptionId: string,
  decide: (sub: Subscription) => Promise<SubscriptionDecision | null>,
): Promise<Subscription> {
  if (!isSubscriptionId(subscriptionId)) own(caller, facilityId, subscriptionId, null);
  const sub = await ports.subscriptions.modify(facilityId, subscriptionId, (found) =>
    decide(own(caller, facilityId, subscriptionId, found)),
  );
  return own(caller, facilityId, subscriptionId, sub);
}

/** The subscription with its delivery state. */
export async function describe(ports: SubscriptionPorts, sub: Subscription) {
  const [pending, failed] = await Promise.all([
    ports.deliveries.count(sub.subscriptionId, 'pending'),
    ports.deliveries.count(sub.subscriptionId, 'failed'),
  ]);
  return { ...subscriptionView(sub), pending, failed, lastDeliveryAt: sub.lastDeliveryAt };
}

export async function unsubscribe(ports: SubscriptionPorts, caller: Caller, facilityId: string, subscriptionId: string): Promise<void> {
  await ports.subscriptions.remove(await findOwn(ports, caller, facilityId, subscriptionId));
  await ports.outbox.drop(facilityId, subscriptionId);
}

/** A new secret; the one it replaces signs beside it for 24 hours. */
export async function rotateSecret(ports: SubscriptionPorts, caller: Caller, facilityId: string, subscriptionId: string, now = Date.now()) {
  const secret = newWebhookSecret();
  const sealed = await ports.secrets.seal(secret, subscriptionId);
  await modifyOwn(ports, caller, facilityId, subscriptionId, async (sub) => ({
    changes: { secret: sealed, previousSecret: sub.secret, previousUntil: now + WEBHOOK_SETTINGS.rotationOverlapMs },
  }));
  return { secret };
}

/** Delivers again every change since `since` (the latest version of each, as a poll would). */
export async function replay(
  ports: SubscriptionPorts,
  caller: Caller,
  facilityId: string,
  subscriptionId: string,
  sinceText: string,
  now = Date.now(),
) {
  const since = parseClientTime(sinceText, 'since');
  if (since > now) throw invalidInput('since must not be in the future.', [{ path: '/since', message: 'in the future' }]);
  const from = isoMs(since);
  await modifyOwn(ports, caller, facilityId, subscriptionId, async (sub) => ({
    // A replay's messages are new ones: counting it gives them ids of their own (messageId).
    changes: { replayFrom: sub.replayFrom !== null && sub.replayFrom < from ? sub.replayFrom : from, replays: sub.replays + 1 },
  }));
  await ports.outbox.markDue(facilityId, subscriptionId, now);
  return { replayId: newId('rpl') };
}

/** Re-enables a subscription: the delivery it stopped at is retried at once, then the rest follows. */
export async function enable(ports: SubscriptionPorts, caller: Caller, facilityId: string, subscriptionId: string, now = Date.now()) {
  const sub = await modifyOwn(ports, caller, facilityId, subscriptionId, async (found) => {
    if (found.disabledReason === REVOKED)
      throw conflict('The key that made this subscription was revoked: subscribe again with a valid key.');
    const current = await ports.deliveries.inFlight(found);
    const changes = { status: 'active', disabledReason: null, failingSince: null } as const;
    // The delivery it stopped at is tried again at once, its retries counted afresh.
    if (current?.status === 'pending') return { changes, delivery: { save: { ...current, nextAttemptAt: now, retries: 0 } } };
    return { changes };
  });
  await ports.outbox.markDue(facilityId, subscriptionId, now);
  return subscriptionView(sub);
}

/** A page of the delivery log, newest first. */
export async function deliveryLog(
  ports: SubscriptionPorts,
  sub: Subscription,
  query: { status?: string; limit?: string; cursor?: string },
) {
  const { status, limit, after } = deliveryPageQuery(query);
  const page = await ports.deliveries.page(sub.subscriptionId, { status, limit, after });
  const last = page.deliveries.at(-1);
  return {
    deliveries: page.deliveries.map(deliveryView),
    next: page.more && last ? deliveryCursor(last) : null,
  };
}

/** Disables every subscription of a key (the keys CLI's revoke); returns how many. */
export async function disableSubscriptionsOfKey(
  ports: Pick<WebhookPorts, 'subscriptions'>,
  keyId: string,
  reason = REVOKED,
): Promise<number> {
  let n = 0;
  for (const { facilityId, subscriptionId } of await ports.subscriptions.ofKey(keyId)) {
    let disabled = false;
    await ports.subscriptions.modify(facilityId, subscriptionId, async (sub) => {
      disabled = sub !== null && sub.status !== 'disabled';
      return disabled ? { changes: { status: 'disabled', disabledReason: reason } } : null;
    });
    if (disabled) n++;
  }
  return n;
}

/** The secrets that sign now: the current one, and the previous one during its overlap. */
export async function signingSecrets(box: SecretBox, sub: Subscription, now: number): Promise<string[]> {
  const secrets = [await box.open(sub.secret, sub.subscriptionId)];
  if (sub.previousSecret && sub.previousUntil !== null && sub.previousUntil > now) {
    secrets.push(await box.open(sub.previousSecret, sub.subscriptionId));
  }
  return secrets;
}

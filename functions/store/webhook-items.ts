/**
 * What the webhook stores share about stored items: the delivery item (written by the
 * subscription store in the same transaction as its subscription, read by the delivery log)
 * and readers for fields stored as NULL when empty.
 */
import { DOCUMENT_FORMATS, type DocumentFormat } from '../domain/api-keys.ts';
import type { Attempt, Delivery, DeliveryStatus } from '../domain/webhooks.ts';
import { WEBHOOK_SETTINGS } from '../shared/config.ts';
import { num, optionalNum, optionalText, text } from './item-fields.ts';
import { deliveriesPk, deliverySk } from './keys.ts';
import { TABLE } from './table.ts';

type Item = Readonly<Record<string, unknown>>;
const { partitionKey: PK, sortKey: SK } = TABLE;

/** A string field that may be absent or NULL. */
export const nullableText = (item: Item, name: string): string | null => (item[name] === null ? null : (optionalText(item, name) ?? null));
/** A number field that may be absent or NULL. */
export const nullableNum = (item: Item, name: string): number | null => (item[name] === null ? null : (optionalNum(item, name) ?? null));

/** A string field that must be one of `allowed`. */
export function oneOf<T extends string>(item: Item, name: string, allowed: readonly T[]): T {
  const v = text(item, name);
  const found = allowed.find((a) => a === v);
  if (found === undefined) throw new Error(`stored item field "${name}" should be one of ${allowed.join(', ')}, found ${v}`);
  return found;
}

export const formatField = (item: Item, name: string): DocumentFormat => oneOf(item, name, DOCUMENT_FORMATS);

/** The sort key of a delivery: what a subscription's `current` names. */
export const deliveryRef = (d: Pick<Delivery, 'createdAt' | 'deliveryId'>): string => deliverySk(d.createdAt, d.deliveryId);

/** The key of a delivery item. */
export const deliveryKey = (subscriptionId: string, ref: string) => ({ [PK]: deliveriesPk(subscriptionId), [SK]: ref });

const retentionSeconds = (fromMs: number) => Math.floor(fromMs / 1000) + WEBHOOK_SETTINGS.logRetentionDays * 86_400;

/** The stored item of a delivery, kept for the log's retention from `retainFromMs`. */
export const deliveryItem = (d: Delivery, retainFromMs: number) => ({
  ...deliveryKey(d.subscriptionId, deliveryRef(d)),
  ...d,
  [TABLE.timeToLiveAttribute]: retentionSeconds(retainFromMs),
});

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** An attempt as stored; one stored before attempts named their id went out under the delivery's (ids did not change then). */
function attemptFromItem(item: unknown, webhookId: string): Attempt {
  if (typeof item !== 'object' || item === null) throw new Error('stored delivery attempt should be a map');
  const a = item as Item;
  return {
    at: text(a, 'at'),
    webhookId: optionalText(a, 'webhookId') ?? webhookId,
    status: nullableNum(a, 'status'),
    error: nullableText(a, 'error'),
    ms: num(a, 'ms'),
    response: nullableText(a, 'response'),
  };
}

export function deliveryFromItem(item: Item): Delivery {
  const attempts = item.attempts ?? [];
  if (!Array.isArray(attempts)) throw new Error('stored item field "attempts" should be a list');
  const webhookId = text(item, 'webhookId');
  return {
    subscriptionId: text(item, 'subscriptionId'),
    deliveryId: text(item, 'deliveryId'),
    webhookId,
    // Absent on a delivery stored before ids were bound to a body: its next attempt goes out under a new id.
    bodyHash: nullableText(item, 'bodyHash'),
    createdAt: text(item, 'createdAt'),
    status: oneOf(item, 'status', DELIVERY_STATUSES),
    attempts: attempts.map((a) => attemptFromItem(a, webhookId)),
    nextAttemptAt: nullableNum(item, 'nextAttemptAt'),
    retries: num(item, 'retries'),
    lower: nullableText(item, 'lower'),
    upper: text(item, 'upper'),
    windowStart: nullableNum(item, 'windowStart'),
    nextPosition: text(item, 'nextPosition'),
    documents: num(item, 'documents'),
  };
}

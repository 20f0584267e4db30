/**
 * Every key of the table is built here and nowhere else.
 *
 * Layout (one table):
 *   work order      pk FAC#{facility}   sk ORDER#{number}#{agency}     gsi1pk FAC#{facility}#ORDERS   gsi1sk {modifiedAt}#{agency}#{number}
 *   work record     pk FAC#{facility}   sk RECORD#{number}#{agency}    gsi1pk FAC#{facility}#RECORDS  gsi1sk {receivedAt}#{agency}#{number}
 *                                                                      gsi2pk FAC#{facility}#ORDER#{orderAgency}#{orderNumber}
 *                                                                      gsi2sk {receivedAt}#{agency}#{number}
 *                   (orders also)                                      gsi3pk FAC#{facility}#ORDERS#{status}
 *                                                                      gsi3sk {modifiedAt}#{agency}#{number}   gsi4sk {createdAt}#{agency}#{number}
 *                   (records' heads, dated: store/record-time-index.ts)  gsi3pk FAC#{facility}#RECORDTIME
 *                                                                      gsi3sk {recordTime}#{agency}#{number}   (no gsi4sk)
 *   its revision    pk FAC#{facility}   sk RECORDREV#{number}#{agency}#{revision, 6 digits}   (a superseded revision, immutable)
 *   what it counts  pk FAC#{facility}   sk RECORDDERIVED#{number}#{agency}   (the revision its derived figures count, and what it added)
 *   document        pk FAC#{facility}   sk DOC#{documentId}
 *   consumption     pk FAC#{facility}#CONSUMPTION   sk P#{level}#{period}#{hash(product, uom)} | O#{level}#{period}#{hash(order)}
 *                   (level D: period YYYY; H and S: period YYYY-MM)
 * S3 objects: documents/{facility}/{documentId} (attached), uploads/{facility}/{documentId} (direct uploads, pending)
 *   API key         pk KEY#{keyId}      sk KEY                         gsi1pk KEYS                    gsi1sk {createdAt}#{keyId}
 *   poll watermark  pk KEY#{keyId}      sk WM#{stream}#{facility}     gsi1pk POLLERS#{facility}          gsi1sk {stream}#{keyId}
 *                   (the poller's state: position, last poll; the index lists a facility's pollers for the operator view)
 *   refused request pk FAC#{facility}#ACTIVITY   sk EV#{at}#{requestId}   (the operator view's activity log, TTL 30 days)
 *   its minute      pk FAC#{facility}#ACTIVITY   sk MIN#{minute}          (how many were refused that minute, kept or not; TTL)
 *   facility stats  pk FAC#{facility}#STATS      sk OPEN#{shard} | LAST     (the overview's counters, kept by the stream)
 *   its marks       pk FAC#{facility}#STATSMARK  sk ORDER#...              (per order, the last change counted)
 *   facility list   pk FACILITIES               sk {facility}             (every facility a document names)
 *   component       pk FAC#{facility}#COMP     sk {number}#{agency}   gsi1pk FAC#{facility}#COMPONENTS gsi1sk {modifiedAt}#{agency}#{number}
 *   recipe          pk FAC#{facility}#RECIPE   sk {number}#{agency}   gsi1pk FAC#{facility}#RECIPES    (likewise)
 *   purchase order  pk FAC#{facility}#PO       sk {number}#{agency}   gsi1pk FAC#{facility}#PURCHASE_ORDERS (likewise)
 *   receipt, count  pk FAC#{facility}   sk RECEIPT#{receiptId} | COUNT#{countId}
 *   stock balance   pk FAC#{facility}#STOCK   sk BAL#{number}#{agency}#{location: - or L{location}}
 *   stock ledger    pk FAC#{facility}#LEDGER#{number}#{agency}#{location part}   sk {latest movement time}#{entryId}
 *   subscription    pk FAC#{facility}   sk SUB#{subscriptionId}        (webhooks: url, kind, secrets, position)
 *   its pointer     pk KEY#{keyId}      sk SUB#{facility}#{subscriptionId}   (revoking a key finds them)
 *   their count     pk KEY#{keyId}      sk SUBCOUNT#{facility}         (at most 10 per key and facility)
 *   delivery        pk SUB#{subscriptionId}   sk DLV#{createdAt}#{deliveryId}   (the delivery log, TTL)
 *   due marker      pk WEBHOOKS#DUE#{shard 0-7}   sk {facility}#{subscriptionId}   (the outbox the sender scans; the shard
 *                   is a hash of the subscription id; pk WEBHOOKS#DUE, the one partition before issue 30, is drained too)
 *   idempotency key pk IDEM#{keyId}#{routeId}   sk {hash of the Idempotency-Key}   (the first answer, sealed; TTL 24 h)
 *   record heads not derived yet: gsi5pk FAC#{facility}#PENDING   gsi5sk {modifiedAt}#{agency}#{number}   (sparse; the engine removes it)
 *   lot index       pk LOT#{facility}#{lotAgency or -}#{lotNumber}   sk USE#{record}#{line} | MADE#{record}#{line} | RECEIPT#{receiptId}
 *   unlotted uses   pk FAC#{facility}#UNLOTTED#{componentNumber}#{componentAgency}   sk {dispensedAt}#{record}#{line}
 *   lot seen        pk LOTSEEN#{lotNumber}   sk {facility}#{lotAgency or -}   (which facilities know a lot number: agency-less and cross-facility lookups)
 *
 * Free-text parts (order and record numbers) are escaped so that `#` stays a separator:
 * a number can never make one key a prefix of another.
 *
 * DynamoDB refuses a partition key over 2048 bytes and a sort key over 1024 bytes of UTF-8
 * (index keys too), failing the whole request. The inputs are bounded before they get here
 * (facility ids by pattern, agencies by the code list, numbers by the schema's 128 characters:
 * at most 512 bytes, or 384 once escaped), which the unit tests prove fits every key below;
 * each builder still checks its result, so a key that cannot fit is the client's 400, never
 * DynamoDB's ValidationException and a 500.
 */

import { createHash } from 'node:crypto';
import type { Level } from '../domain/consumption.ts';
import { invalidInput } from '../domain/errors.ts';

/** DynamoDB's key size limits, in bytes of UTF-8. */
export const KEY_LIMITS = { partitionKeyBytes: 2048, sortKeyBytes: 1024 } as const;

function fits(key: string, limit: number): string {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > limit) {
    throw invalidInput(
      `An identifier of this request is too long to be stored: its key has ${bytes} bytes of UTF-8, at most ${limit} fit.`,
    );
  }
  return key;
}
const pk = (key: string): string => fits(key, KEY_LIMITS.partitionKeyBytes);
const sk = (key: string): string => fits(key, KEY_LIMITS.sortKeyBytes);

/** The change streams that are polled: orders, records, and the plant master data kinds. */
export type Stream = 'ORDERS' | 'RECORDS' | 'COMPONENTS' | 'RECIPES' | 'PURCHASE_ORDERS';

/** Escapes `%` and `#` so a free-text part cannot contain the separator. */
export const escapePart = (s: string): string => s.replaceAll('%', '%25').replaceAll('#', '%23');

export const facilityPk = (facilityId: string): string => pk(`FAC#${facilityId}`);

export const orderSk = (agency: string, number: string): string => sk(`ORDER#${escapePart(number)}#${agency}`);

export const recordSk = (agency: string, number: string): string => sk(`RECORD#${escapePart(number)}#${agency}`);
/** The start of the sort keys of the records with this number (every agency), and of nothing else. */
export const recordNumberPrefix = (number: string): string => sk(`RECORD#${escapePart(number)}#`);
/** An earlier revision of a record, kept unchanged when a correction supersedes it (the audit trail). */
export const recordRevisionSk = (agency: string, number: string, revision: number): string =>
  sk(`RECORDREV#${escapePart(number)}#${agency}#${String(revision).padStart(6, '0')}`);
/** Which revision of a record its derived figures (order status, consumption, stock) count, and what that revision added. */
export const recordDerivedSk = (agency: string, number: string): string => sk(`RECORDDERIVED#${escapePart(number)}#${agency}`);
export const documentSk = (documentId: string): string => sk(`DOC#${documentId}`);

/** Partition of the records index holding every record that reports on one order. */
export const recordsOfOrderPk = (facilityId: string, orderAgency: string, orderNumber: string): string =>
  pk(`FAC#${facilityId}#ORDER#${orderAgency}#${escapePart(orderNumber)}`);

/** S3 key of an attached document (ids are validated: facility by pattern, document ids are ours). */
export const documentObjectKey = (facilityId: string, documentId: string): string => `documents/${facilityId}/${documentId}`;
/** S3 key a direct upload lands at, until a record attaches it. */
export const uploadObjectKey = (facilityId: string, documentId: string): string => `uploads/${facilityId}/${documentId}`;

export const changesPk = (facilityId: string, stream: Stream): string => pk(`FAC#${facilityId}#${stream}`);

/**
 * Position of a change in the facility's change stream: the hub's modification time
 * (fixed-width ISO, so positions sort as times do) and the identity as tie-breaker.
 */
export const changePosition = (modifiedAtIso: string, agency: string, number: string): string =>
  sk(`${modifiedAtIso}#${agency}#${escapePart(number)}`);

export const apiKeyPk = (keyId: string): string => `KEY#${keyId}`;
export const API_KEY_SK = 'KEY';
export const API_KEYS_LIST_PK = 'KEYS';
export const apiKeyListSk = (createdAtIso: string, keyId: string): string => `${createdAtIso}#${keyId}`;

export const watermarkSk = (stream: Stream, facilityId: string): string => sk(`WM#${stream}#${facilityId}`);
/** The changes-index partition listing a facility's pollers (never of the form changesPartition reads). */
export const pollersPk = (facilityId: string): string => pk(`POLLERS#${facilityId}`);
/** The activity log of a facility (refused requests) and its per-minute counters. */
export const activityPk = (facilityId: string): string => pk(`FAC#${facilityId}#ACTIVITY`);
export const ACTIVITY_ENTRY_PREFIX = 'EV#';
export const ACTIVITY_MINUTE_PREFIX = 'MIN#';
/** One refused request: by time, so the log reads newest first; request ids are the gateway's (UUIDs). */
export const activityEntrySk = (atIso: string, requestId: string): string =>
  sk(`${ACTIVITY_ENTRY_PREFIX}${atIso}#${escapePart(requestId)}`);
/** The counter of one minute (`YYYY-MM-DDTHH:MM`). */
export const activityMinuteSk = (minute: string): string => sk(`${ACTIVITY_MINUTE_PREFIX}${minute}`);
/** A facility's overview counters (a few shards and the last times), kept by the stream. */
export const facilityStatsPk = (facilityId: string): string => pk(`FAC#${facilityId}#STATS`);
export const statsShardSk = (shard: number): string => `OPEN#${shard}`;
export const STATS_LAST_SK = 'LAST';
/** Per order, the stream sequence of the last change counted (exactly once); sort key: the order's own. */
export const facilityStatsMarkPk = (facilityId: string): string => pk(`FAC#${facilityId}#STATSMARK`);
/** Every facility a document names. */
export const FACILITIES_PK = 'FACILITIES';
/** A poller's place in that partition: by stream, then key. */
export const pollerListSk = (stream: Stream, keyId: string): string => sk(`${stream}#${keyId}`);

/** A webhook subscription, in its facility's partition. */
export const subscriptionSk = (subscriptionId: string): string => sk(`SUB#${subscriptionId}`);
/** Prefix of every subscription of a facility. */
export const SUBSCRIPTION_PREFIX = 'SUB#';
/** The pointer from a key to one of its subscriptions (prefix `SUB#` lists them all). */
export const keySubscriptionSk = (facilityId: string, subscriptionId: string): string => sk(`SUB#${facilityId}#${subscriptionId}`);
/** How many subscriptions a key has at a facility. */
export const subscriptionCountSk = (facilityId: string): string => sk(`SUBCOUNT#${facilityId}`);
/** A subscription's delivery log. */
export const deliveriesPk = (subscriptionId: string): string => pk(`SUB#${subscriptionId}`);
/** One delivery: by creation time, so the log reads newest first. */
export const deliverySk = (createdAtIso: string, deliveryId: string): string => sk(`DLV#${createdAtIso}#${deliveryId}`);
/**
 * The outbox: one marker per subscription with changes (or a retry) due, in one of
 * `OUTBOX_SHARDS` partitions chosen by a hash of the subscription id, so that no one partition
 * takes every mark, claim and release (docs/benchmarks.md has the math). A subscription's
 * marker is always in the same shard: one marker per subscription, as before. Changing the
 * count moves markers between shards: the sender would then need to drain the old ones too,
 * as it drains the legacy partition.
 */
export const OUTBOX_SHARDS = 8;
/** The shard of a subscription's marker: the first 4 bytes of SHA-256 of its id, modulo the shard count. */
export const outboxShard = (subscriptionId: string): number =>
  createHash('sha256').update(subscriptionId).digest().readUInt32BE(0) % OUTBOX_SHARDS;
export const outboxPk = (shard: number): string => `WEBHOOKS#DUE#${shard}`;
/** Every shard's partition, in shard order. */
export const OUTBOX_PKS: readonly string[] = Array.from({ length: OUTBOX_SHARDS }, (_, i) => outboxPk(i));
/**
 * The outbox's one partition before it was sharded (issue 30). Nothing writes a marker there any
 * more; the sender still reads it and moves each marker it finds to its shard, so what a stack
 * queued before its upgrade is delivered.
 */
export const LEGACY_OUTBOX_PK = 'WEBHOOKS#DUE';

/** One API key's Idempotency-Keys on one route: two clients' (or two routes') keys never meet. */
export const idempotencyPk = (keyId: string, routeId: string): string => pk(`IDEM#${keyId}#${routeId}`);
export const idempotencySk = (keyHash: string): string => sk(keyHash);
export const dueMarkerSk = (facilityId: string, subscriptionId: string): string => sk(`${facilityId}#${subscriptionId}`);

/**
 * The facility and stream of a changes-index partition key (`FAC#{facility}#{stream}`), or null
 * for any other partition (the dispatcher's reading of a changed item).
 */
export function changesPartition(gsiPk: unknown): { facilityId: string; stream: string } | null {
  if (typeof gsiPk !== 'string') return null;
  const m = /^FAC#([A-Za-z0-9._-]{1,64})#([A-Z]+)$/.exec(gsiPk);
  return m ? { facilityId: m[1]!, stream: m[2]! } : null;
}

/** The stack's cursor secret (store/hub-secret.ts): one item, outside every facility and key. */
export const CURSOR_SECRET_KEY = { pk: 'HUB', sk: 'CURSOR_SECRET' } as const;
/** Written once a backfill part has run through the whole table (store/backfill.ts). */
export const backfillDoneKey = (part: string) => ({ pk: 'HUB', sk: `BACKFILL#${part}` }) as const;

/** Partition of the order-summaries indexes holding a facility's orders of one status. */
export const ordersByStatusPk = (facilityId: string, status: string): string => pk(`FAC#${facilityId}#ORDERS#${status}`);

/**
 * Partition of the order-summaries index (gsi3) holding a facility's record heads by record time
 * (store/record-time-index.ts): never an order status partition (`#ORDERS#` is not in it).
 */
export const recordTimePk = (facilityId: string): string => pk(`FAC#${facilityId}#RECORDTIME`);

/** Partition of a facility's consumption aggregates (store/consumption-store.ts). */
export const consumptionPk = (facilityId: string): string => pk(`FAC#${facilityId}#CONSUMPTION`);
/** One aggregate item: per product and unit (P) or per order (O), per level and period (domain/consumption.ts); the hash names what is counted. */
export const consumptionSk = (kind: 'product' | 'order', level: Level, period: string, hash: string): string =>
  sk(`${kind === 'product' ? 'P' : 'O'}#${level}#${period}#${hash}`);
/** Bounds of the items of one kind and level over a range of periods (inclusive). */
export const consumptionRange = (kind: 'product' | 'order', level: Level, first: string, last: string): [string, string] => {
  const prefix = `${kind === 'product' ? 'P' : 'O'}#${level}`;
  return [`${prefix}#${first}#`, `${prefix}#${last}#~`];
};

/** Each master-data kind has a partition of its own per facility (a listing never reads past the kind's documents). */
export const MASTER_PARTITION = { component: 'COMP', recipe: 'RECIPE', purchaseOrder: 'PO' } as const;
export type MasterKindKey = keyof typeof MASTER_PARTITION;

export const masterPk = (facilityId: string, kind: MasterKindKey): string => pk(`FAC#${facilityId}#${MASTER_PARTITION[kind]}`);
export const masterSk = (agency: string, number: string): string => sk(`${escapePart(number)}#${agency}`);
/** Prefix of every document of the kind with this number, whatever its agency. */
export const masterNumberPrefix = (number: string): string => sk(`${escapePart(number)}#`);

export const receiptSk = (receiptId: string): string => sk(`RECEIPT#${escapePart(receiptId)}`);
export const countSk = (countId: string): string => sk(`COUNT#${escapePart(countId)}`);

/** The location part of stock keys: '-' for none, else L and the escaped name (never equal to '-'). */
const locationPart = (location: string | null): string => (location === null ? '-' : `L${escapePart(location)}`);

/** Partition of a facility's stock balances (one item per component identifier and location). */
export const stockPk = (facilityId: string): string => pk(`FAC#${facilityId}#STOCK`);
export const balanceSk = (k: { agency: string; number: string; location: string | null }): string =>
  sk(`BAL#${escapePart(k.number)}#${k.agency}#${locationPart(k.location)}`);
/** Prefix of every balance (or of the balances of components with this number). */
export const balancePrefix = (number?: string): string => sk(`BAL#${number === undefined ? '' : `${escapePart(number)}#`}`);

/** Partition of one balance's ledger. */
export const ledgerPk = (facilityId: string, k: { agency: string; number: string; location: string | null }): string =>
  pk(`FAC#${facilityId}#LEDGER#${escapePart(k.number)}#${k.agency}#${locationPart(k.location)}`);
/** A ledger entry, by the time of its latest line (fixed-width ISO) and its id. */
export const ledgerSk = (latestIso: string, entryId: string): string => sk(`${latestIso}#${entryId}`);
/** Every entry with a line dated after this time sorts above this bound. */
export const ledgerAfter = (iso: string): string => `${iso}~`;

/** One lot's partition of the lot index at a facility: its uses, the records that made it, its receipts. */
export const lotPk = (facilityId: string, lotAgency: string, lotNumber: string): string =>
  pk(`LOT#${facilityId}#${lotAgency}#${escapePart(lotNumber)}`);
/** A record's line that took from the lot (`line`: the line's place in the record, e.g. `0.2.1`). */
export const lotUseSk = (recordAgency: string, recordNumber: string, line: string): string =>
  sk(`USE#${recordAgency}#${escapePart(recordNumber)}#${line}`);
/** A record's destination container that made the lot. */
export const lotMadeSk = (recordAgency: string, recordNumber: string, line: string): string =>
  sk(`MADE#${recordAgency}#${escapePart(recordNumber)}#${line}`);
/** A receipt that brought the lot in. */
export const lotReceiptSk = (receiptId: string): string => sk(`RECEIPT#${escapePart(receiptId)}`);

/** A facility's record lines of one component that name no lot, by dispensing time (the `possible` rows of a trace). */
export const unlottedPk = (facilityId: string, componentAgency: string, componentNumber: string): string =>
  pk(`FAC#${facilityId}#UNLOTTED#${escapePart(componentNumber)}#${componentAgency}`);
export const unlottedSk = (dispensedAtIso: string, recordAgency: string, recordNumber: string, line: string): string =>
  sk(`${dispensedAtIso}#${recordAgency}#${escapePart(recordNumber)}#${line}`);
/** Bounds of the unlotted lines dispensed in [fromIso, toIso] (inclusive, to the millisecond). */
export const unlottedRange = (fromIso: string, toIso: string): [string, string] => [`${fromIso}#`, `${toIso}#~`];

/** Which facilities (and agencies) know a lot number: one item per lot number, facility and agency. */
export const lotSeenPk = (lotNumber: string): string => pk(`LOTSEEN#${escapePart(lotNumber)}`);
export const lotSeenSk = (facilityId: string, lotAgency: string): string => sk(`${facilityId}#${lotAgency}`);

/** Partition of the pending-derive index: a facility's record heads whose latest revision is not derived yet. */
export const pendingDerivePk = (facilityId: string): string => pk(`FAC#${facilityId}#PENDING`);

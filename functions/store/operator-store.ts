/**
 * The operator view's reads (use-cases/operator-view.ts): a facility's pollers from the pollers
 * index (written with each poller's state, store/change-stream.ts), the keys they belong to,
 * and one capped Query per poller counting the settled changes after its position.
 */
import { isRole, type Role } from '../domain/api-keys.ts';
import { batchGetItems } from './batch-get.ts';
import { optionalNum, optionalText, text } from './item-fields.ts';
import { API_KEY_SK, apiKeyPk, changesPk, pollersPk, type Stream } from './keys.ts';
import { queryAll, queryPages } from './paginate.ts';
import { TABLE } from './table.ts';

/** A poller's state as stored by its polls (store/change-stream.ts). */
export interface StoredPoller {
  keyId: string;
  stream: Stream;
  position: string;
  /** When it last polled (ms); null for a state stored before the hub noted it. */
  lastPollAt: number | null;
  /** The lastExecutionDateTime its latest noted poll sent (ms); null: none. */
  lastClientTime: number | null;
}

/** What the view shows of a key. */
export interface KeyInfo {
  name: string;
  role: Role;
  revoked: boolean;
}

/** The settled changes after a position: counted up to a cap, and the time of the oldest. */
export interface Unserved {
  count: number;
  capped: boolean;
  /** The hub time (ms) of the oldest; null when none waits. */
  oldest: number | null;
}

/** The reads of the operator view (store/operator-store.ts; fakes in unit tests). */
export interface OperatorStore {
  /** Every poller that has polled the facility (one Query on the pollers index). */
  pollersOf(facilityId: string): Promise<StoredPoller[]>;
  /** The keys among these ids that exist. */
  keyInfo(keyIds: readonly string[]): Promise<Map<string, KeyInfo>>;
  /** Changes of the stream after `after` (exclusive) up to `upTo` (inclusive), counted up to `cap`. */
  unserved(facilityId: string, stream: Stream, after: string, upTo: string, cap: number): Promise<Unserved>;
}

type Item = Record<string, unknown>;
const STREAMS: readonly Stream[] = ['ORDERS', 'RECORDS', 'COMPONENTS', 'RECIPES', 'PURCHASE_ORDERS'];

function pollerFromItem(item: Item): StoredPoller | null {
  const stream = STREAMS.find((s) => s === item.stream);
  if (!stream) return null;
  const lastPollAt = optionalText(item, 'lastPollAt');
  return {
    keyId: text(item, 'keyId'),
    stream,
    position: text(item, 'position'),
    lastPollAt: lastPollAt === undefined ? null : Date.parse(lastPollAt),
    lastClientTime: optionalNum(item, 'lastClientTime') ?? null,
  };
}

async function pollersOf(facilityId: string): Promise<StoredPoller[]> {
  const { name, partitionKey, sortKey } = TABLE.changesIndex;
  const rows = await queryAll(
    {
      IndexName: name,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': partitionKey, '#s': sortKey, '#pos': 'position', '#st': 'stream' },
      ExpressionAttributeValues: { ':p': pollersPk(facilityId) },
      ProjectionExpression: 'keyId, #st, #pos, lastPollAt, lastClientTime, #s',
    },
    pollerFromItem,
  );
  return rows.filter((r): r is StoredPoller => r !== null);
}

async function keyInfo(keyIds: readonly string[]): Promise<Map<string, KeyInfo>> {
  const items = await batchGetItems(keyIds.map((id) => ({ [TABLE.partitionKey]: apiKeyPk(id), [TABLE.sortKey]: API_KEY_SK })));
  const out = new Map<string, KeyInfo>();
  for (const item of items) {
    const role = item.role;
    if (!isRole(role)) continue;
    out.set(text(item, 'keyId'), { name: optionalText(item, 'name') ?? '', role, revoked: typeof item.revokedAt === 'string' });
  }
  return out;
}

/**
 * One Query of the changes index after the position, keys only, until `cap` + 1 are counted (a
 * page holds at most 1 MB of items read, so a backlog of large documents may take a few pages).
 */
async function unserved(facilityId: string, stream: Stream, after: string, upTo: string, cap: number): Promise<Unserved> {
  const { name, partitionKey, sortKey } = TABLE.changesIndex;
  const values: Record<string, unknown> = { ':p': changesPk(facilityId, stream), ':hi': upTo };
  // The smallest string after the position (store/keys.ts: no part holds a control character).
  if (after !== '') values[':lo'] = `${after}\u0001`;
  if (after !== '' && values[':lo']! > upTo) return { count: 0, capped: false, oldest: null };
  let count = 0;
  let oldest: number | null = null;
  const pages = queryPages(
    {
      IndexName: name,
      KeyConditionExpression: `#p = :p AND ${after === '' ? '#s <= :hi' : '#s BETWEEN :lo AND :hi'}`,
      ExpressionAttributeNames: { '#p': partitionKey, '#s': sortKey },
      ExpressionAttributeValues: values,
      ProjectionExpression: '#s',
    },
    { limit: () => cap + 1 - count },
  );
  for await (const page of pages) {
    const first = page.items[0]?.[sortKey];
    if (oldest === null && typeof first === 'string') oldest = Date.parse(first.slice(0, 24));
    count += page.items.length;
    if (count > cap) return { count: cap, capped: true, oldest };
  }
  return { count, capped: false, oldest };
}

/** The operator view's store port. */
export const operatorStore: OperatorStore = { pollersOf, keyInfo, unserved };

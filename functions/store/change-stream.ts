/**
 * Reading a facility's change stream (orders or records) from the changes index, and what
 * the hub remembers about each poller (key) there. One Query per page in the usual case: a poll costs
 * what it returns, not what the facility holds.
 */
import { GetCommand, PutCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PollerState, PollNote, Window } from '../domain/poll-window.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { optionalNum, text } from './item-fields.ts';
import { apiKeyPk, changesPk, pollerListSk, pollersPk, type Stream, watermarkSk } from './keys.ts';
import { queryPages } from './paginate.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

export interface PageLimits {
  maxItems: number;
  /** Sum of the items' `size` (bytes of the stored document) at most. */
  maxBytes: number;
  /** Only items whose status is not one of these (the initial load's filter). */
  excludeStatuses?: readonly string[];
}

export interface StreamPage {
  items: Item[];
  /** Position of the last item served; null when none was. */
  lastPosition: string | null;
  /** True when more changes wait beyond this page. */
  truncated: boolean;
  /** The position of each item, in order (lets a poll cut a page read from an earlier bound). */
  positions?: string[];
}

/** Reads one page of a facility's change stream within the window, oldest change first. */
export async function readStream(facilityId: string, stream: Stream, window: Window, limits: PageLimits): Promise<StreamPage> {
  const positions: string[] = [];
  const page: StreamPage = { items: [], lastPosition: null, truncated: false, positions };
  if (window.empty) return page;
  const { partitionKey: gpk, sortKey: gsk, name: IndexName } = TABLE.changesIndex;
  const names: Record<string, string> = { '#p': gpk, '#s': gsk };
  const values: Record<string, unknown> = { ':p': changesPk(facilityId, stream) };
  values[':hi'] = window.upper;
  let range = ' AND #s <= :hi';
  if (window.lower !== null) {
    range = ' AND #s BETWEEN :lo AND :hi';
    values[':lo'] = window.lower;
  }
  let filter: Pick<QueryCommandInput, 'FilterExpression'> = {};
  if (limits.excludeStatuses?.length) {
    names['#st'] = 'status';
    const placeholders = limits.excludeStatuses.map((s, i) => {
      values[`:x${i}`] = s;
      return `:x${i}`;
    });
    filter = { FilterExpression: `NOT (#st IN (${placeholders.join(', ')}))` };
  }

  let bytes = 0;
  const pages = queryPages(
    {
      IndexName,
      KeyConditionExpression: `#p = :p${range}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...filter,
    },
    // One more than fits tells whether the page is truncated.
    { limit: () => limits.maxItems - page.items.length + 1 },
  );
  for await (const { items } of pages) {
    for (const item of items) {
      const size = optionalNum(item, 'size') ?? 0;
      if (page.items.length >= limits.maxItems || (page.items.length > 0 && bytes + size > limits.maxBytes)) {
        page.truncated = true;
        return page;
      }
      page.items.push(item);
      bytes += size;
      page.lastPosition = text(item, gsk);
      positions.push(page.lastPosition);
    }
  }
  return page;
}

/**
 * What this function instance last read or wrote of each poller's state: a guess of where its
 * next poll starts, so that the index can be read before the state arrives (never trusted:
 * the poll reads the state too, and reads again when the guess was wrong).
 */
const hints = new Map<string, PollerState | null>();
const MAX_HINTS = 1000;
const hintKey = (keyId: string, stream: Stream, facilityId: string) => `${keyId}\u0000${stream}\u0000${facilityId}`;

function remember(keyId: string, stream: Stream, facilityId: string, state: PollerState | null): void {
  const key = hintKey(keyId, stream, facilityId);
  hints.delete(key);
  if (hints.size >= MAX_HINTS) hints.delete(hints.keys().next().value!);
  hints.set(key, state);
}

/** This instance's last knowledge of a poller's state (undefined: none). */
export function stateHint(keyId: string, stream: Stream, facilityId: string): PollerState | null | undefined {
  return hints.get(hintKey(keyId, stream, facilityId));
}

/** What the hub remembers about this key at this facility and stream, or null before its first poll. */
export async function getPollerState(keyId: string, stream: Stream, facilityId: string): Promise<PollerState | null> {
  const state = await readPollerState(keyId, stream, facilityId);
  remember(keyId, stream, facilityId, state);
  return state;
}

async function readPollerState(keyId: string, stream: Stream, facilityId: string): Promise<PollerState | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: config().tableName,
      Key: { [TABLE.partitionKey]: apiKeyPk(keyId), [TABLE.sortKey]: watermarkSk(stream, facilityId) },
      ConsistentRead: true,
    }),
  );
  if (typeof Item?.position !== 'string') return null;
  return {
    position: Item.position,
    previousStart: typeof Item.previousStart === 'string' ? Item.previousStart : Item.position,
    clientTime: typeof Item.clientTime === 'number' ? Item.clientTime : null,
    // States stored before the operator view have no lastPollAt: their next poll notes one.
    lastPollAt: typeof Item.lastPollAt === 'string' ? Date.parse(Item.lastPollAt) : null,
  };
}

/** What every write of a poller's state sets besides the state: who, where, when it polled, and the index entry listing it. */
function pollerFields(keyId: string, stream: Stream, facilityId: string, note: PollNote | undefined) {
  const at = note?.at ?? Date.now();
  return {
    keyId,
    facilityId,
    stream,
    lastPollAt: new Date(at).toISOString(),
    ...(note?.clientTime === null || note?.clientTime === undefined ? {} : { lastClientTime: note.clientTime }),
    [TABLE.changesIndex.partitionKey]: pollersPk(facilityId),
    [TABLE.changesIndex.sortKey]: pollerListSk(stream, keyId),
  };
}

/** Stores the poller's state (unconditionally: one key per PCS installation polls one facility at a time). */
export async function putPollerState(
  keyId: string,
  stream: Stream,
  facilityId: string,
  state: PollerState,
  note?: PollNote,
): Promise<void> {
  const fields = pollerFields(keyId, stream, facilityId, note);
  await dynamoClient().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: apiKeyPk(keyId),
        [TABLE.sortKey]: watermarkSk(stream, facilityId),
        position: state.position,
        previousStart: state.previousStart,
        ...(state.clientTime === null ? {} : { clientTime: state.clientTime }),
        updatedAt: new Date().toISOString(),
        ...fields,
      },
    }),
  );
  remember(keyId, stream, facilityId, { ...state, lastPollAt: Date.parse(fields.lastPollAt) });
}

/**
 * Notes a poll that moved nothing: its time and the time the poller sent, only while the stored
 * time is older than `staleBefore` (of two polls racing, one writes) and only on a state that
 * exists (a poller is listed from its first stored state on). One UpdateItem, at most once per interval.
 */
export async function notePoll(keyId: string, stream: Stream, facilityId: string, poll: PollNote & { staleBefore: number }): Promise<void> {
  const fields = pollerFields(keyId, stream, facilityId, poll);
  const names: Record<string, string> = { '#pk': TABLE.partitionKey };
  const values: Record<string, unknown> = { ':stale': new Date(poll.staleBefore).toISOString() };
  const sets = Object.entries(fields).map(([name, value], i) => {
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    return `#f${i} = :f${i}`;
  });
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { [TABLE.partitionKey]: apiKeyPk(keyId), [TABLE.sortKey]: watermarkSk(stream, facilityId) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(lastPollAt) OR lastPollAt < :stale)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (e) {
    // Another poll noted it first (or the state is gone): nothing to do.
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
  }
  const hint = hints.get(hintKey(keyId, stream, facilityId));
  if (hint) remember(keyId, stream, facilityId, { ...hint, lastPollAt: poll.at });
}

/**
 * The activity log (refused requests) in THE table: one item per kept refusal under the
 * facility's activity partition, and one counter per facility and minute that counts every
 * refusal, kept or not. A refusal costs one UpdateItem (the counter, which says whether the
 * minute's cap is reached) and, under the cap, one PutItem; both expire after 30 days (TTL).
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { minuteOf, type RefusedRequest } from '../domain/refusals.ts';
import { config, OPERATOR_SETTINGS } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { num, text } from './item-fields.ts';
import { ACTIVITY_ENTRY_PREFIX, ACTIVITY_MINUTE_PREFIX, activityEntrySk, activityMinuteSk, activityPk } from './keys.ts';
import { queryAll, queryPages } from './paginate.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;
const expiresAt = (atMs: number) => Math.floor(atMs / 1000) + OPERATOR_SETTINGS.activityRetentionDays * 86_400;

/** Counts a refusal in its minute and keeps it while the minute is under the cap. */
export async function recordRefusal(facilityId: string, entry: RefusedRequest): Promise<void> {
  const atMs = Date.parse(entry.at);
  const { Attributes } = await dynamoClient().send(
    new UpdateCommand({
      TableName: config().tableName,
      Key: { [TABLE.partitionKey]: activityPk(facilityId), [TABLE.sortKey]: activityMinuteSk(minuteOf(entry.at)) },
      UpdateExpression: 'ADD n :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#ttl': TABLE.timeToLiveAttribute },
      ExpressionAttributeValues: { ':one': 1, ':ttl': expiresAt(atMs) },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  if (typeof Attributes?.n === 'number' && Attributes.n > OPERATOR_SETTINGS.activityPerMinute) return;
  await dynamoClient().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: activityPk(facilityId),
        [TABLE.sortKey]: activityEntrySk(entry.at, entry.requestId),
        ...entry,
        [TABLE.timeToLiveAttribute]: expiresAt(atMs),
      },
    }),
  );
}

function entryFromItem(item: Item): RefusedRequest & { sk: string } {
  const problem = item.problem as RefusedRequest['problem'];
  return {
    sk: text(item, TABLE.sortKey),
    at: text(item, 'at'),
    requestId: text(item, 'requestId'),
    keyId: typeof item.keyId === 'string' ? item.keyId : null,
    method: text(item, 'method'),
    route: text(item, 'route'),
    status: num(item, 'status'),
    problem: {
      type: problem.type,
      title: problem.title,
      detail: problem.detail,
      ...(Array.isArray(problem.errors) ? { errors: problem.errors } : {}),
    },
  };
}

/** A page of the log, newest first, after the entry `after` names. */
export async function refusalPage(
  facilityId: string,
  options: { limit: number; after?: string | undefined },
): Promise<{ entries: (RefusedRequest & { sk: string })[]; more: boolean }> {
  const entries: (RefusedRequest & { sk: string })[] = [];
  const pages = queryPages(
    {
      KeyConditionExpression: options.after ? '#pk = :pk AND #sk BETWEEN :prefix AND :after' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: {
        ':pk': activityPk(facilityId),
        ':prefix': ACTIVITY_ENTRY_PREFIX,
        ...(options.after ? { ':after': options.after } : {}),
      },
      ScanIndexForward: false,
    },
    { limit: () => options.limit + 2 - entries.length },
  );
  for await (const page of pages) {
    for (const item of page.items) {
      if (item[TABLE.sortKey] === options.after) continue;
      if (entries.length === options.limit) return { entries, more: true };
      entries.push(entryFromItem(item));
    }
  }
  return { entries, more: false };
}

/** The per-minute counts since `sinceMs` (at most 1,440 small items for a day): every refusal, kept or not. */
export async function refusalCounts(facilityId: string, sinceMs: number): Promise<{ minute: string; n: number }[]> {
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: {
        ':pk': activityPk(facilityId),
        ':from': activityMinuteSk(minuteOf(new Date(sinceMs).toISOString())),
        ':to': `${ACTIVITY_MINUTE_PREFIX}~`,
      },
    },
    (item) => ({ minute: text(item, TABLE.sortKey).slice(ACTIVITY_MINUTE_PREFIX.length), n: num(item, 'n') }),
  );
}

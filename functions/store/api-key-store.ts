/** API keys in the table: one item per key, listed through the changes index partition KEYS. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyRecord, isDocumentFormat, isRole, ROLES, type Role } from '../domain/api-keys.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { optionalText, text } from './item-fields.ts';
import { API_KEY_SK, API_KEYS_LIST_PK, apiKeyListSk, apiKeyPk } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

function role(item: Item): Role {
  const value = text(item, 'role');
  if (!isRole(value)) throw new Error(`stored item field "role" is ${value}, expected ${ROLES.join(', ')}`);
  return value;
}

function facilities(item: Item): string[] {
  const value = item.facilities;
  if (!Array.isArray(value) || !value.every((f) => typeof f === 'string')) {
    throw new Error('stored item field "facilities" is not a list of strings');
  }
  return value;
}

/** The key as stored (items written by putApiKey; revokedAt absent until revoked). */
function toRecord(item: Item): ApiKeyRecord {
  return {
    keyId: text(item, 'keyId'),
    name: optionalText(item, 'name') ?? '',
    role: role(item),
    facilities: facilities(item),
    // Keys made before the older form existed have no format: they are canonical.
    format: isDocumentFormat(item.format) ? item.format : 'canonical',
    // Keys made before zones existed have none: zone-less date-times are refused for them.
    timeZone: typeof item.timeZone === 'string' && item.timeZone !== '' ? item.timeZone : null,
    createdAt: text(item, 'createdAt'),
    revokedAt: optionalText(item, 'revokedAt') ?? null,
    secretHash: text(item, 'secretHash'),
    lastUsedAt: optionalText(item, 'lastUsedAt') ?? null,
  };
}

/** Stores a new key (never overwrites one). */
export async function putApiKey(record: ApiKeyRecord, tableName = config().tableName): Promise<void> {
  const { revokedAt, timeZone, lastUsedAt: _, ...fields } = record;
  await dynamoClient().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        [TABLE.partitionKey]: apiKeyPk(record.keyId),
        [TABLE.sortKey]: API_KEY_SK,
        [TABLE.changesIndex.partitionKey]: API_KEYS_LIST_PK,
        [TABLE.changesIndex.sortKey]: apiKeyListSk(record.createdAt, record.keyId),
        ...fields,
        ...(revokedAt ? { revokedAt } : {}),
        ...(timeZone ? { timeZone } : {}),
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    }),
  );
}

/** One key by id, or null. Strongly consistent: a revocation takes effect at once. */
export async function getApiKey(keyId: string, tableName = config().tableName): Promise<ApiKeyRecord | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName,
      Key: { [TABLE.partitionKey]: apiKeyPk(keyId), [TABLE.sortKey]: API_KEY_SK },
      ConsistentRead: true,
    }),
  );
  return Item ? toRecord(Item) : null;
}

/** Every key, oldest first. */
export async function listApiKeys(tableName = config().tableName): Promise<ApiKeyRecord[]> {
  return queryAll(
    {
      IndexName: TABLE.changesIndex.name,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': TABLE.changesIndex.partitionKey },
      ExpressionAttributeValues: { ':p': API_KEYS_LIST_PK },
    },
    toRecord,
    { tableName },
  );
}

/** Marks a key revoked; returns false when there is no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(keyId: string, at: Date, tableName = config().tableName): Promise<boolean> {
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [TABLE.partitionKey]: apiKeyPk(keyId), [TABLE.sortKey]: API_KEY_SK },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :t)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':t': at.toISOString() },
      }),
    );
    return true;
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}

/**
 * Notes that a key was used now, if the stored time is older than `staleBefore` (of two
 * authorizer runs racing, one writes; a key that is gone is not recreated). One UpdateItem.
 */
export async function noteKeyUse(keyId: string, now: Date, staleBefore: Date, tableName = config().tableName): Promise<void> {
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [TABLE.partitionKey]: apiKeyPk(keyId), [TABLE.sortKey]: API_KEY_SK },
        UpdateExpression: 'SET lastUsedAt = :now',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :stale)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':now': now.toISOString(), ':stale': staleBefore.toISOString() },
      }),
    );
  } catch (e) {
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
  }
}

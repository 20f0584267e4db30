/** API keys in the table: one item per key, listed through the changes index partition KEYS. */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyRecord, isDocumentFormat } from '../domain/api-keys.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { API_KEY_SK, API_KEYS_LIST_PK, apiKeyListSk, apiKeyPk } from './keys.ts';
import { TABLE } from './table.ts';

/** The key as stored (items written by putApiKey; revokedAt absent until revoked). */
function toRecord(item: Record<string, unknown>): ApiKeyRecord {
  return {
    keyId: item.keyId as string,
    name: (item.name as string | undefined) ?? '',
    role: item.role as ApiKeyRecord['role'],
    facilities: item.facilities as string[],
    // Keys made before the older form existed have no format: they are canonical.
    format: isDocumentFormat(item.format) ? item.format : 'canonical',
    // Keys made before zones existed have none: zone-less date-times are refused for them.
    timeZone: typeof item.timeZone === 'string' && item.timeZone !== '' ? item.timeZone : null,
    createdAt: item.createdAt as string,
    revokedAt: (item.revokedAt as string | undefined) ?? null,
    secretHash: item.secretHash as string,
  };
}

/** Stores a new key (never overwrites one). */
export async function putApiKey(record: ApiKeyRecord, tableName = config().tableName): Promise<void> {
  const { revokedAt, timeZone, ...fields } = record;
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
  const out: ApiKeyRecord[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.changesIndex.name,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': TABLE.changesIndex.partitionKey },
        ExpressionAttributeValues: { ':p': API_KEYS_LIST_PK },
        ExclusiveStartKey,
      }),
    );
    out.push(...(page.Items ?? []).map(toRecord));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
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

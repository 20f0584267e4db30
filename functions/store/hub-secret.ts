/**
 * The stack's cursor secret: 32 random bytes kept in the table (encrypted at rest with it),
 * created by the first function that needs it, read once per container. No extra service,
 * no extra permission: every function that issues or reads cursors already reads the table.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { CURSOR_SECRET_KEY } from './keys.ts';
import { TABLE } from './table.ts';

let cached: Promise<Buffer> | undefined;

/** The secret, loaded (or made, exactly once per stack) on first use. */
export function cursorSecret(): Promise<Buffer> {
  cached ??= loadOrCreate().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

const key = { [TABLE.partitionKey]: CURSOR_SECRET_KEY.pk, [TABLE.sortKey]: CURSOR_SECRET_KEY.sk };

async function read(): Promise<Buffer | null> {
  const { Item } = await dynamoClient().send(new GetCommand({ TableName: config().tableName, Key: key, ConsistentRead: true }));
  return typeof Item?.secret === 'string' ? Buffer.from(Item.secret, 'base64') : null;
}

async function loadOrCreate(): Promise<Buffer> {
  const found = await read();
  if (found) return found;
  const secret = randomBytes(32);
  try {
    await dynamoClient().send(
      new PutCommand({
        TableName: config().tableName,
        Item: { ...key, secret: secret.toString('base64'), createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      }),
    );
    return secret;
  } catch (e) {
    // Another function made it first: use that one.
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    const theirs = await read();
    if (!theirs) throw e;
    return theirs;
  }
}

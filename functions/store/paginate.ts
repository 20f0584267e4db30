/**
 * THE Query loop: every store reads a key range through these, so paging (ExclusiveStartKey
 * until DynamoDB says there is no more) is written once. The table name is filled in here.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';

export type Item = Record<string, unknown>;

/** A Query without the table name and the start key, which the paginator owns. */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

export interface QueryPage {
  items: Item[];
  /** How many items the page matched (with `Select: 'COUNT'` the only answer: no items are returned). */
  count: number;
  /** True when DynamoDB has more items after this page. */
  more: boolean;
}

export interface PageOptions {
  /** The document client to read with (default: the plain one; the exact one reads numbers as text). */
  client?: DynamoDBDocumentClient;
  /** The Limit of the next page, asked before each page (a reader that stops at a budget). */
  limit?: () => number;
}

/** The pages of one Query, in order; stop iterating to stop reading. */
export async function* queryPages(input: QueryInput, options: PageOptions = {}): AsyncGenerator<QueryPage> {
  const client = options.client ?? dynamoClient();
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        ...input,
        TableName: config().tableName,
        ...(options.limit ? { Limit: options.limit() } : {}),
        ExclusiveStartKey,
      }),
    );
    ExclusiveStartKey = page.LastEvaluatedKey;
    yield { items: page.Items ?? [], count: page.Count ?? page.Items?.length ?? 0, more: ExclusiveStartKey !== undefined };
  } while (ExclusiveStartKey);
}

/** Every item of one Query, mapped. */
export async function queryAll<T = Item>(input: QueryInput, map?: (item: Item) => T, options: PageOptions = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const page of queryPages(input, options)) {
    for (const item of page.items) out.push(map ? map(item) : (item as T));
  }
  return out;
}

/**
 * THE Query loop: every store reads a key range through these, so paging (ExclusiveStartKey
 * until DynamoDB says there is no more) is written once. The table name is filled in here.
 */
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';

export type Item = Record<string, unknown>;

/** A Query without the table name and the start key, which the paginator owns. */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** A Scan without the table name and the start key (the backfill's one pass over the table). */
export type ScanInput = Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>;

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
  /** Where the first page starts (the last key of an earlier read); default: the beginning. */
  start?: Item;
  /** The table to read (default: the configured one; the operator's key tool names another). */
  tableName?: string;
}

/** The pages of one Query, in order; stop iterating to stop reading. */
export function queryPages(input: QueryInput, options: PageOptions = {}): AsyncGenerator<QueryPage> {
  return pages(options, (client, page) => client.send(new QueryCommand({ ...input, ...page })));
}

/** The pages of one Scan, in order; stop iterating to stop reading. */
export function scanPages(input: ScanInput, options: PageOptions = {}): AsyncGenerator<QueryPage> {
  return pages(options, (client, page) => client.send(new ScanCommand({ ...input, ...page })));
}

type PageParams = { TableName: string; ExclusiveStartKey: Item | undefined; Limit?: number };
type PageRead = (client: DynamoDBDocumentClient, page: PageParams) => Promise<{ Items?: Item[]; Count?: number; LastEvaluatedKey?: Item }>;

/** The one paging loop: ExclusiveStartKey until DynamoDB says there is no more. */
async function* pages(options: PageOptions, read: PageRead): AsyncGenerator<QueryPage> {
  const client = options.client ?? dynamoClient();
  const TableName = options.tableName ?? config().tableName;
  let ExclusiveStartKey: Item | undefined = options.start;
  do {
    const page = await read(client, { TableName, ExclusiveStartKey, ...(options.limit ? { Limit: options.limit() } : {}) });
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

/** Reads many items by key, strongly consistent, retrying what DynamoDB leaves unprocessed. */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { identityKey } from '../domain/documents.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

/** Keys per BatchGetItem call. */
const PER_CALL = 100;

/** The items that exist among `keys` (in no particular order). */
export async function batchGetItems(keys: readonly Item[]): Promise<Item[]> {
  const { tableName } = config();
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += PER_CALL) {
    let pending: Item[] = keys.slice(i, i + PER_CALL);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
      const out = await dynamoClient().send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = (out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return found;
}

/**
 * Loads the documents of one kind a batch names (strongly consistent), keyed by
 * identityKey: `sk` builds the sort key of an identity, `fromItem` reads a stored item.
 */
export async function loadByIdentity<T extends { agency: string; number: string }>(
  pk: string,
  identities: readonly { agency: string; number: string }[],
  sk: (agency: string, number: string) => string,
  fromItem: (item: Item) => T,
): Promise<Map<string, T>> {
  const unique = new Map(identities.map((i) => [identityKey(i.agency, i.number), i]));
  const items = await batchGetItems(
    [...unique.values()].map((i) => ({ [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk(i.agency, i.number) })),
  );
  return new Map(
    items.map((item) => {
      const doc = fromItem(item);
      return [identityKey(doc.agency, doc.number), doc];
    }),
  );
}

/**
 * The floor of the poll and push benchmarks: a bare Node HTTP server doing the least the hub's
 * answer needs, on the same DynamoDB Local. A poll is ONE Query of the changes index (the
 * documents parsed and sent back as JSON); a push is raw BatchWriteItem of the items given
 * (`/push`), or one raw TransactWriteItems of them, each put conditioned on an empty key
 * (`/push?transact`): what an all-or-nothing batch costs the database, with nothing else.
 * No gateway, no authorizer, no middleware, no poller state. Run as its own process, as the
 * hub is: `node test/bench/floor/server.ts` with DYNAMODB_ENDPOINT and TABLE_NAME; prints its URL.
 */
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../../functions/store/table.ts';

const tableName = process.env.TABLE_NAME!;
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  }),
);

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  if (req.method === 'GET') {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.changesIndex.name,
        KeyConditionExpression: '#p = :p AND #s BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#p': TABLE.changesIndex.partitionKey, '#s': TABLE.changesIndex.sortKey },
        ExpressionAttributeValues: {
          ':p': url.searchParams.get('pk'),
          ':lo': url.searchParams.get('lo'),
          ':hi': url.searchParams.get('hi'),
        },
        Limit: 101,
      }),
    );
    const docs = (out.Items ?? []).map((i) => JSON.parse(i.doc as string));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ dispensingWorkOrder: docs }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const items = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: Record<string, unknown>[] }).items;
  if (url.searchParams.has('transact')) {
    const condition = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } };
    await db.send(
      new TransactWriteCommand({ TransactItems: items.map((Item) => ({ Put: { TableName: tableName, Item, ...condition } })) }),
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ written: items.length }));
    return;
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await Promise.all(
    batches.map(async (batch) => {
      let request: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
      while (request.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: request as never } }));
        request = (out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined) ?? [];
      }
    }),
  );
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ written: items.length }));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`floor listening on http://127.0.0.1:${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

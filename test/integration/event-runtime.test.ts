/**
 * The local runtime of the event-function table (infra/local/events.ts) against a real
 * DynamoDB Local stream: changes arrive in order, a failed change is retried from where it
 * failed (nothing after it skipped, nothing before it handled twice), and a data folder made
 * before the table had a stream gets one at start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { localCreateTableInput } from '../../functions/store/table.ts';
import { type DynamoLocal, ensureTable, startDynamoLocal } from '../../infra/local/dynamodb-local.ts';
import { type EventRuntime, startEventRuntime } from '../../infra/local/events.ts';
import { seen } from '../support/recording-stream-function.ts';
import { waitUntil } from '../support/shared-stack.ts';

const ENTRY = pathToFileURL(join(import.meta.dirname, '../support/recording-stream-function.ts')).href;
const client = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

describe('event functions on the local table stream', () => {
  let dynamo: DynamoLocal;
  let runtime: EventRuntime;
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-events-'));

  beforeAll(async () => {
    dynamo = await startDynamoLocal(join(dir, 'db'));
  }, 90_000);
  afterAll(async () => {
    await runtime?.stop();
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a table made without a stream gets one at start, in place', async () => {
    const db = client(dynamo.endpoint);
    await db.send(new CreateTableCommand(localCreateTableInput('old-table')));
    await db.send(new PutItemCommand({ TableName: 'old-table', Item: { pk: { S: 'p' }, sk: { S: 'kept' } } }));

    const { streamArn } = await ensureTable(dynamo.endpoint, 'old-table');

    const { Table } = await db.send(new DescribeTableCommand({ TableName: 'old-table' }));
    assert.ok(streamArn);
    assert.equal(Table?.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
    assert.equal(Table?.ItemCount ?? 1, 1, 'the data stays');
  });

  test('changes are handled in order; a failed change is retried from itself, nothing skipped', async () => {
    const { streamArn } = await ensureTable(dynamo.endpoint, 'hub');
    runtime = await startEventRuntime(
      [{ id: 'recorder', entry: ENTRY, trigger: { kind: 'tableStream', batchSize: 10, maxRetries: 3 }, access: null, summary: 'test' }],
      { endpoint: dynamo.endpoint, streamArn, pollMs: 50 },
    );
    const db = client(dynamo.endpoint);
    for (const sk of ['A-1', 'A-2', 'FAIL-ONCE-3', 'A-4']) {
      await db.send(new PutItemCommand({ TableName: 'hub', Item: { pk: { S: 'p' }, sk: { S: sk } } }));
    }

    await waitUntil('the last change handled', () => seen.includes('A-4'));

    // However the four changes were batched, the failing one is seen twice and each other once, in order.
    const once = seen.filter((sk, i) => seen.indexOf(sk) === i);
    assert.deepEqual(once, ['A-1', 'A-2', 'FAIL-ONCE-3', 'A-4']);
    assert.equal(seen.filter((sk) => sk === 'FAIL-ONCE-3').length, 2);
    assert.equal(seen.filter((sk) => sk === 'A-1').length, 1, 'a change before the failure is not handled again');
    assert.equal(seen.filter((sk) => sk === 'A-4').length, 1);
  });
});

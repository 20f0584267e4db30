/** The stream handler builder: changes in order, the first failure and the rest reported, reads shared within one batch. */
import assert from 'node:assert/strict';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, test } from 'vitest';
import { streamHandler } from '../../functions/shared/event-handler.ts';

const context = { functionName: 'test', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const batchOf = (...sks: string[]): DynamoDBStreamEvent => ({
  Records: sks.map((sk, i) => ({ dynamodb: { Keys: { sk: { S: sk } }, SequenceNumber: String(100 + i) } })),
});

describe('streamHandler', () => {
  test('batch.once runs once per key and batch; the next batch runs it again', async () => {
    const runs: string[] = [];
    const handler = streamHandler(async (change, batch) => {
      const sk = change.dynamodb?.Keys?.sk?.S ?? '';
      await batch.once(sk.slice(0, 1), async () => runs.push(sk));
    });

    assert.deepEqual(await handler(batchOf('a1', 'a2', 'b1', 'a3'), context), { batchItemFailures: [] });
    assert.deepEqual(runs, ['a1', 'b1']);
    await handler(batchOf('a4'), context);
    assert.deepEqual(runs, ['a1', 'b1', 'a4']);
  });

  test('a failed once is not remembered: a later change of the batch runs it again', async () => {
    let calls = 0;
    const handler = streamHandler(async (change, batch) => {
      const sk = change.dynamodb?.Keys?.sk?.S ?? '';
      await batch
        .once('shared', async () => {
          calls++;
          if (calls === 1) throw new Error('read failed');
        })
        .catch(() => assert.equal(sk, 'x1'));
    });

    assert.deepEqual(await handler(batchOf('x1', 'x2', 'x3'), context), { batchItemFailures: [] });
    assert.equal(calls, 2, 'x1 failed, x2 ran it again, x3 shared x2');
  });

  test('the change that fails is reported with every change after it, none handled past it', async () => {
    const handled: string[] = [];
    const handler = streamHandler(async (change) => {
      const sk = change.dynamodb?.Keys?.sk?.S ?? '';
      if (sk === 'y2') throw new Error('down');
      handled.push(sk);
    });

    assert.deepEqual(await handler(batchOf('y1', 'y2', 'y3'), context), {
      batchItemFailures: [{ itemIdentifier: '101' }, { itemIdentifier: '102' }],
    });
    assert.deepEqual(handled, ['y1']);
  });
});

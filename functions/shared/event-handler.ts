/**
 * The handler builders of event functions (functions/events.ts), the counterpart of
 * httpHandler: the same logger and metrics, no HTTP. A stream handler is given one change at
 * a time, in stream order; the first change that fails stops the batch and is reported with
 * every change after it (`batchItemFailures`), so nothing is skipped and order is kept. The
 * changes of one batch may share reads and writes through `batch.once` (see StreamBatch).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';

/**
 * What the changes of one batch (one invocation) share. Every change of a batch was written
 * before the batch is handled, so a read made for the first of them sees what a read made
 * for any later one would have; an idempotent write made once serves them all.
 */
export interface StreamBatch {
  /** The answer of `run` for `key`, run at most once per batch (a failure is not remembered). */
  once<T>(key: string, run: () => Promise<T>): Promise<T>;
  /** Every change of the batch, in order (a change may work for the ones after it, idempotently). */
  readonly changes: readonly DynamoDBRecord[];
}

function newBatch(changes: readonly DynamoDBRecord[]): StreamBatch {
  const done = new Map<string, Promise<unknown>>();
  return {
    changes,
    once<T>(key: string, run: () => Promise<T>): Promise<T> {
      let p = done.get(key) as Promise<T> | undefined;
      if (!p) {
        p = run();
        done.set(key, p);
        p.catch(() => done.delete(key));
      }
      return p;
    },
  };
}

/** Builds the handler of a table-stream function from what it does with one change. */
export function streamHandler(handle: (change: DynamoDBRecord, batch: StreamBatch) => Promise<void>) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .handler(async (event) => {
      const records = event.Records ?? [];
      const batch = newBatch(records);
      for (const [index, change] of records.entries()) {
        try {
          await handle(change, batch);
        } catch (e) {
          logger.error('stream change failed; it and the rest of the batch are retried', e as Error);
          return {
            batchItemFailures: records.slice(index).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
          };
        }
      }
      return { batchItemFailures: [] };
    });
}

/** Builds the handler of a scheduled function; a failure is retried, then parked in its dead-letter queue. */
export function scheduledHandler(handle: (now: number) => Promise<void>) {
  return middy<ScheduledEvent, void>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .handler(async (event) => handle(Date.parse(event.time) || Date.now()));
}

/**
 * The handler builders of event functions (functions/events.ts), the counterpart of
 * httpHandler: the same logger and metrics, no HTTP. A stream handler is given one change at
 * a time, in stream order; the first change that fails stops the batch and is reported with
 * every change after it (`batchItemFailures`), so nothing is skipped and order is kept.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';

/** Builds the handler of a table-stream function from what it does with one change. */
export function streamHandler(handle: (change: DynamoDBRecord) => Promise<void>) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .handler(async (event) => {
      const records = event.Records ?? [];
      for (const [index, change] of records.entries()) {
        try {
          await handle(change);
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

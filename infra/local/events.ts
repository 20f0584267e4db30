/**
 * The local runtime of the event-function table (functions/events.ts), the counterpart of the
 * local gateway: the same handlers, invoked the way AWS invokes them. Table-stream functions
 * read DynamoDB Local's change stream shard by shard and get batches shaped as Lambda's
 * DynamoDBStreamEvent; a batch that reports failures is retried from the first failed change,
 * up to maxRetries, then logged as dead-lettered. Schedules run on a timer.
 * Neither ends when DynamoDB Local goes away: the stream is read again once it is back.
 */
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventFunctionDef } from '../../functions/events.ts';
import { isUnreachable } from '../../functions/store/errors.ts';
import { invocationScope } from './invocations.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface EventRuntime {
  stop(): Promise<void>;
}

/** How often a runtime that lost DynamoDB Local tries it again. */
const RECONNECT_MS = 500;
/**
 * How often a consumer describes the stream to find new shards when no shard of its own ended
 * meanwhile (one that ends has it described at once). Describing on every read made it
 * DynamoDB Local's most frequent request under load, one per consumer and pass.
 */
const DESCRIBE_EVERY_MS = 1000;

const context = (id: string) => ({ functionName: id, awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 10_000 });

/** Loads a handler that runs each invocation in a context of its own (invocations.ts), its logs under its own function. */
async function load(entry: string): Promise<Handler> {
  const url = entry.startsWith('file:') ? entry : new URL(`../../functions/${entry}`, import.meta.url).href;
  const handler = ((await import(url)) as { handler: Handler }).handler;
  const invoke = await invocationScope();
  return (event, ctx) => invoke((ctx as { awsRequestId: string }).awsRequestId, () => handler(event, ctx));
}

/** Starts every entry; `streamArn` is the table's latest stream. `pollMs` is how often an idle shard is read. */
export async function startEventRuntime(
  defs: readonly EventFunctionDef[],
  options: { endpoint: string; streamArn: string | undefined; pollMs?: number; log?: (line: string) => void },
): Promise<EventRuntime> {
  const log = options.log ?? (() => undefined);
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const loops: Promise<void>[] = [];
  const runs = new Set<Promise<unknown>>();
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  for (const def of defs) {
    const handler = await load(def.entry);
    const trigger = def.trigger;
    if (trigger.kind === 'schedule') {
      let running: Promise<unknown> | null = null;
      timers.push(
        setInterval(
          () => {
            if (running || stopped) return;
            const run = handler({ time: new Date().toISOString(), 'detail-type': 'Scheduled Event', source: 'aws.events' }, context(def.id))
              .catch((e: Error) => log(`${def.id}: scheduled run failed: ${e.message}`))
              .finally(() => {
                running = null;
                runs.delete(run);
              });
            running = run;
            runs.add(run);
          },
          (trigger.localEverySeconds ?? trigger.everyMinutes * 60) * 1000,
        ),
      );
      continue;
    }
    if (!options.streamArn) throw new Error(`${def.id} consumes the table stream, but the local table has none`);
    loops.push(consume(def.id, handler, trigger.batchSize, trigger.maxRetries));
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits `ms`, or less once stopped. */
  async function pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!stopped && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
  }
  /**
   * True when DynamoDB Local cannot be reached (stopped, or being restarted by `npm start`);
   * then waits until it answers again, or until the runtime stops.
   */
  async function waitedForDatabase(): Promise<boolean> {
    let away = false;
    while (!stopped) {
      try {
        await client.send(new DescribeStreamCommand({ StreamArn: options.streamArn, Limit: 1 }));
        return away;
      } catch (e) {
        if (!isUnreachable(e)) return away;
        away = true;
        await pause(RECONNECT_MS);
      }
    }
    return away;
  }

  /**
   * Reads every shard of the stream from its start, in order, handing batches to the handler.
   * A read that fails (DynamoDB Local away or restarted) is retried after a pause, each shard
   * from just after the last change handled; a batch that failed while the database was away
   * is handed over again once it is back, without counting as one of its attempts.
   */
  async function consume(id: string, handler: Handler, batchSize: number, maxRetries: number): Promise<void> {
    const done = new Set<string>();
    const iterators = new Map<string, string>();
    /** The last change handled, per shard: where a read starts again after a failure. */
    const handled = new Map<string, string>();
    /** When the stream was last described; 0: describe it on the next pass. */
    let describedAt = 0;
    while (!stopped) {
      let busy = false;
      try {
        busy = await pass();
      } catch (e) {
        if (!isUnreachable(e)) log(`${id}: reading the table stream failed: ${(e as Error).message}; reading again`);
        iterators.clear();
        describedAt = 0;
        await pause(RECONNECT_MS);
        continue;
      }
      if (!busy) await pause(options.pollMs ?? 250);
    }

    /** Describes the stream and opens an iterator on each shard it may read now. */
    async function findShards(): Promise<void> {
      const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: options.streamArn }));
      describedAt = Date.now();
      for (const shard of StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId!;
        if (done.has(shardId) || iterators.has(shardId)) continue;
        // A child shard is read once its parent is finished, as Lambda does.
        if (shard.ParentShardId && !done.has(shard.ParentShardId) && iterators.has(shard.ParentShardId)) continue;
        const after = handled.get(shardId);
        const { ShardIterator } = await client.send(
          new GetShardIteratorCommand({
            StreamArn: options.streamArn,
            ShardId: shardId,
            ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        if (ShardIterator) iterators.set(shardId, ShardIterator);
      }
    }

    async function pass(): Promise<boolean> {
      if (Date.now() - describedAt >= DESCRIBE_EVERY_MS) await findShards();
      let busy = false;
      for (const [shardId, iterator] of iterators) {
        if (stopped) break;
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
        let records = (out.Records ?? []) as unknown as DynamoDBStreamEvent['Records'];
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        let attempt = 0;
        while (records.length > 0) {
          busy = true;
          const reply = (await handler({ Records: records }, context(id)).catch((e: Error) => {
            log(`${id}: batch failed: ${e.message}`);
            return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
          })) as DynamoDBBatchResponse | undefined;
          const first = reply?.batchItemFailures?.[0]?.itemIdentifier;
          if (first === undefined) break;
          records = records.slice(
            Math.max(
              0,
              records.findIndex((r) => r.dynamodb?.SequenceNumber === first),
            ),
          );
          // The database went away under the batch: not the batch's failure, so no attempt is used up.
          if (await waitedForDatabase()) continue;
          if (stopped) return busy;
          if (attempt >= maxRetries) {
            log(`${id}: ${records.length} changes dead-lettered after ${attempt + 1} attempts`);
            break;
          }
          attempt++;
        }
        if (stopped) return busy;
        if (last) handled.set(shardId, last);
        if (out.NextShardIterator) iterators.set(shardId, out.NextShardIterator);
        else {
          iterators.delete(shardId);
          done.add(shardId);
          // Its children may be open now.
          describedAt = 0;
        }
      }
      return busy;
    }
  }

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...loops, ...runs]);
      client.destroy();
    },
  };
}

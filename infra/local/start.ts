/**
 * `npm start`: the whole hub on this machine. DynamoDB Local (Java) and the S3 emulator on
 * free ports, the table and bucket created, and the local gateway on PORT (default 3000)
 * serving the same handlers and authorizer that are deployed. Data stays in
 * MIXTICKET_DATA_DIR across restarts. Stops cleanly, children included, on SIGINT/SIGTERM (after
 * the requests in flight are answered, for DRAIN_MS at most), and when the process that started
 * it is gone (see below).
 * DynamoDB Local dying is not the hub's end: requests meanwhile answer 503 (the stores map the
 * refused connection), and it is started again on the same port with the same data folder;
 * the hub serves again without a restart of its own. When it cannot be restarted (it keeps
 * dying, or its data was in memory) everything stops cleanly with a message saying why.
 * Everything listens on 127.0.0.1 only, and the data folder is private to this OS user.
 */
import { join } from 'node:path';
import { ENV } from '../../functions/shared/config.ts';
import { ensureGenerated } from '../../scripts/ensure-generated.ts';
import { type DynamoLocal, ensureTable, startDynamoLocal } from './dynamodb-local.ts';
import {
  dataDir,
  keyGeneration,
  LOCAL_BUCKET_NAME,
  LOCAL_TABLE_NAME,
  makeDataDirPrivate,
  removeInstance,
  runningInstance,
  writeInstance,
} from './instance.ts';
import { LOCAL_CONCURRENCY_ENV } from './invocations.ts';
import { type S3Local, startS3Local } from './s3-local.ts';

const dir = dataDir();
const port = Number(process.env.PORT ?? 3000);
const inMemory = process.env.MIXTICKET_IN_MEMORY === '1';
const quiet = process.env.MIXTICKET_QUIET === '1';

let dynamo: DynamoLocal | undefined;
let s3: S3Local | undefined;
let closeGateway: (() => Promise<void>) | undefined;
let stopping = false;

/** How long a stop waits for the requests in flight to be answered before it closes their connections. */
const DRAIN_MS = 10_000;
/** DynamoDB Local is restarted at most this many times within RESTART_WINDOW_MS; dying more often stops the hub. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const restarts: number[] = [];
/** A restart of DynamoDB Local under way: a stop waits for it, then stops what it started. */
let restarting: Promise<DynamoLocal> | undefined;

let stopped: Promise<never> | undefined;

/** Stops everything once (later calls, a second signal included, wait for the first), then exits with `code`. */
function stop(code: number): Promise<never> {
  stopping = true;
  stopped ??= (async () => {
    await closeGateway?.().catch(() => undefined);
    await s3?.stop().catch(() => undefined);
    // Nothing serves requests any more: local.json goes now, before DynamoDB Local is stopped,
    // so that whoever sees neither the gateway nor DynamoDB Local answering no longer finds it.
    removeInstance(dir);
    await restarting?.then((d) => d.stop()).catch(() => undefined);
    await dynamo?.stop().catch(() => undefined);
    process.exit(code);
  })();
  return stopped;
}

async function main(): Promise<void> {
  // Before any AWS SDK call (ensureTable, the backfill): invocations side by side, each in its own context.
  Object.assign(process.env, LOCAL_CONCURRENCY_ENV);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const other = runningInstance(dir);
  if (other)
    throw new Error(`an instance already runs from ${dir} (pid ${other.pid}, ${other.baseUrl}); stop it or set MIXTICKET_DATA_DIR`);
  // umask 077 from here on (s3rver runs in this process, Java inherits it), old files fixed up.
  makeDataDirPrivate(dir);
  // The handlers import the generated validators: build them if schemas/ changed since.
  ensureGenerated();

  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // A fault nothing else handled: stop everything (Java, local.json) rather than leave it behind.
  const fatal = (what: string) => (e: unknown) => {
    console.error(`${what}: ${(e as Error)?.stack ?? String(e)}\nstopping the hub`);
    void stop(1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  // If this process dies any other way, do not leave Java behind.
  process.on('exit', () => dynamo?.process.kill('SIGKILL'));
  // `npm start` runs this under npm and a shell: a SIGTERM to npm (a supervisor, `kill`) ends
  // that shell without passing the signal on, and this process, now the init process's child,
  // would keep the port and the data folder. Stop once the process that started it is gone.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 1000).unref();

  [dynamo, s3] = await Promise.all([
    startDynamoLocal(inMemory ? null : join(dir, 'dynamodb')),
    startS3Local(join(dir, 's3'), LOCAL_BUCKET_NAME),
  ]);
  const { streamArn, addedIndexes } = await ensureTable(dynamo.endpoint, LOCAL_TABLE_NAME);
  superviseDynamo(dynamo);

  Object.assign(process.env, {
    [ENV.local]: '1',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    [ENV.tableName]: LOCAL_TABLE_NAME,
    [ENV.bucketName]: LOCAL_BUCKET_NAME,
    [ENV.dynamodbEndpoint]: dynamo.endpoint,
    [ENV.s3Endpoint]: s3.endpoint,
    // INFO: a line per webhook delivery attempt and per refused request (docs/operations.md). Not
    // POWERTOOLS_DEV: it pretty-prints each log event over many lines; here one event is one line.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  });
  // A data folder made by an earlier version: index attributes, consumption aggregates and record
  // heads' entries by record time for what it holds (idempotent; finds nothing to do on a folder this version made).
  const { backfill } = await import('../../functions/store/backfill.ts');
  const { deriveRecords } = await import('../../functions/use-cases/derive-records.ts');
  const { derivedFiguresStore, lotBackfillStore } = await import('../../functions/store/derive-store.ts');
  const { indexLegacyLots } = await import('../../functions/use-cases/index-lots.ts');
  const upgraded = await backfill({
    derive: (facilityId, ids) => deriveRecords(derivedFiguresStore, facilityId, ids),
    indexLots: (facilityId, ids) => indexLegacyLots(lotBackfillStore, facilityId, ids),
  });
  if (!quiet && (Object.values(upgraded).some((n) => n > 0) || addedIndexes.length > 0)) {
    console.log(
      `upgraded the data folder: indexes ${addedIndexes.join(', ') || 'none'} added, ${upgraded.orders} orders and ${upgraded.records} records backfilled, ${upgraded.recordTimes} records dated for reports, ${upgraded.lots} records' lots indexed, ${upgraded.recordCounts} orders' record counts kept, ${upgraded.rollups} report roll-up items built`,
    );
  }
  // Handlers read the environment at import: load the gateway only now.
  const { createGateway } = await import('./gateway.ts');
  // Authorizer answers kept per key as API Gateway keeps them; the keys CLI's changes drop them.
  const { AUTHORIZER_CACHE_SECONDS } = await import('../../functions/routes.ts');
  const gateway = await createGateway(quiet ? undefined : (line) => console.log(line), {
    authorizerCache: { ttlMs: AUTHORIZER_CACHE_SECONDS * 1000, generation: () => keyGeneration(dir) },
  });
  // The event-function table runs beside the routes, on the table's stream and on timers.
  const { startEventRuntime } = await import('./events.ts');
  const { EVENT_FUNCTIONS } = await import('../../functions/events.ts');
  const events = await startEventRuntime(EVENT_FUNCTIONS, { endpoint: dynamo.endpoint, streamArn, log: (line) => console.error(line) });
  closeGateway = async () => {
    await gateway.close(DRAIN_MS);
    await events.stop();
  };
  await new Promise<void>((resolve, reject) => {
    gateway.server.once('error', reject);
    gateway.server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (gateway.server.address() as { port: number }).port;
  const baseUrl = `http://127.0.0.1:${actualPort}`;
  writeInstance(dir, {
    pid: process.pid,
    baseUrl,
    port: actualPort,
    dynamodbEndpoint: dynamo.endpoint,
    s3Endpoint: s3.endpoint,
    tableName: LOCAL_TABLE_NAME,
    bucketName: LOCAL_BUCKET_NAME,
    startedAt: new Date().toISOString(),
  });
  console.log(`MixTicket hub listening on ${baseUrl} (data in ${dir}${inMemory ? ', DynamoDB in memory' : ''})`);
}

/**
 * Restarts DynamoDB Local when it exits while the hub runs: same data folder, same port (the
 * endpoint every client of the hub already uses). Requests meanwhile answer 503. In memory, or
 * after MAX_RESTARTS exits within RESTART_WINDOW_MS, or when it does not start again, the
 * whole hub stops instead, saying why, and local.json goes with it.
 */
function superviseDynamo(current: DynamoLocal): void {
  current.process.once('exit', (code, signal) => {
    if (stopping || dynamo !== current) return;
    const how = signal ?? `code ${code}`;
    if (inMemory) {
      console.error(`DynamoDB Local exited (${how}); it kept the table in memory, so every key and document is gone: stopping the hub`);
      void stop(1);
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      console.error(
        `DynamoDB Local exited (${how}), the ${MAX_RESTARTS + 1}th time within ${RESTART_WINDOW_MS / 1000} s: stopping the hub (data stays in ${dir})`,
      );
      void stop(1);
      return;
    }
    restarts.push(now);
    const port = Number(new URL(current.endpoint).port);
    console.error(
      `DynamoDB Local exited (${how}); starting it again on ${current.endpoint} with the same data (requests answer 503 meanwhile)`,
    );
    restarting = startDynamoLocal(join(dir, 'dynamodb'), port);
    restarting.then(
      (next) => {
        restarting = undefined;
        if (stopping) return;
        dynamo = next;
        superviseDynamo(next);
        console.error(`DynamoDB Local is back on ${next.endpoint}`);
      },
      (e: Error) => {
        restarting = undefined;
        console.error(`DynamoDB Local could not be started again: ${e.message}\nstopping the hub (data stays in ${dir})`);
        void stop(1);
      },
    );
  });
}

main().catch(async (e: Error) => {
  console.error(`npm start failed: ${e.message}`);
  await stop(1);
});

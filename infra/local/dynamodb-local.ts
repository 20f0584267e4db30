/**
 * DynamoDB Local: AWS's jar, shipped in the npm package amplify-dynamodb-simulator, run
 * with the machine's Java (17+). Data lives in a folder (kept across restarts) or in memory.
 *
 * The jar's own main listens on every interface and has no authentication, so it is not
 * run: LoopbackDynamoDb.java beside this file serves the jar's handlers on 127.0.0.1 only.
 * Java runs that one source file directly (compiled in memory, no build step).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { attributeDefinitions, INDEXES, indexSpec, localCreateTableInput, TABLE } from '../../functions/store/table.ts';
import { waitForHttp } from './ports.ts';

const require = createRequire(import.meta.url);
const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'LoopbackDynamoDb.java');
/** The line the launcher prints once it serves requests. */
const READY = /DynamoDB Local listening on (127\.0\.0\.1:\d+)/;
const READY_MS = 60_000;

export interface DynamoLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local on a loopback port: a free one, or `port` (a restart on the endpoint the
 * hub's clients already use); `dataDir` null means in memory.
 */
export async function startDynamoLocal(dataDir: string | null, port = 0): Promise<DynamoLocal> {
  const emulator = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const storage = dataDir === null ? ['-inMemory'] : ['-dbPath', dataDir];
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(
    'java',
    [
      '-cp',
      [join(emulator, 'DynamoDBLocal.jar'), join(emulator, 'DynamoDBLocal_lib', '*')].join(delimiter),
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      // One IPv4 socket, so that it shows as 127.0.0.1 rather than as ::ffff:127.0.0.1.
      '-Djava.net.preferIPv4Stack=true',
      '-Xms64m',
      LAUNCHER,
      // Port 0: the OS picks a free port and the launcher prints it.
      '-port',
      String(port),
      ...storage,
    ],
    {
      // It may write a metadata file into its working directory: keep that out of the project.
      cwd: dataDir ?? tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      // The launcher never sets up the jar's telemetry; this turns it off should a jar do so.
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const ready = new Promise<string>((resolve, reject) => {
    let stdout = '';
    // Java compiles the launcher first: allow for a busy machine.
    const timer = setTimeout(() => reject(new Error(`no port was printed within ${READY_MS} ms`)), READY_MS);
    child.stdout?.on('data', (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-4000);
      const m = READY.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`java exited (${signal ?? code}) before it listened`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run java for DynamoDB Local (is Java 17+ installed?): ${e.message}`));
    });
  });
  let endpoint: string;
  try {
    endpoint = await ready;
    // The line comes after Jetty started; one request confirms that it answers.
    await waitForHttp(endpoint, 5_000, () => child.exitCode === null);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`DynamoDB Local did not start: ${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** The change stream the stack's table has (functions/events.ts consumes it). */
const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const };

/** How long an index that start adds may take to become ACTIVE (DynamoDB Local backfills it from the items). */
const INDEX_ACTIVE_MS = 120_000;

/**
 * Creates the hub's table (from THE table definition) unless it exists; an existing table (a
 * data folder made by an earlier version) gets what it lacks: its change stream, and every
 * index, one UpdateTable at a time as on AWS, each waited for until ACTIVE. Returns the
 * table's stream and the names of the indexes it added.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<{ streamArn: string | undefined; addedIndexes: string[] }> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    let table: TableDescription | undefined;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (e) {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
    }
    if (!table) {
      table = (await client.send(new CreateTableCommand({ ...localCreateTableInput(tableName), StreamSpecification: STREAM })))
        .TableDescription;
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TABLE.timeToLiveAttribute, Enabled: true },
        }),
      );
      return { streamArn: table?.LatestStreamArn, addedIndexes: [] };
    }
    if (!table.StreamSpecification?.StreamEnabled) {
      // A data folder made before the table had a stream: add it in place, as a deployment does.
      table = (await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }))).TableDescription;
    }
    const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const addedIndexes: string[] = [];
    for (const index of INDEXES.filter((i) => !present.has(i.name))) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributeDefinitions(INDEXES.filter((i) => present.has(i.name) || i === index)),
          GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }],
        }),
      );
      await waitForIndex(client, tableName, index.name);
      present.add(index.name);
      addedIndexes.push(index.name);
    }
    return { streamArn: table?.LatestStreamArn, addedIndexes };
  } finally {
    client.destroy();
  }
}

async function waitForIndex(client: DynamoDBClient, tableName: string, indexName: string): Promise<void> {
  const deadline = Date.now() + INDEX_ACTIVE_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === indexName);
    if (index?.IndexStatus === 'ACTIVE' && Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`index ${indexName} did not become ACTIVE within ${INDEX_ACTIVE_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

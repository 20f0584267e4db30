/**
 * DynamoDB Local: AWS's jar, shipped in the npm package amplify-dynamodb-simulator, run
 * with the machine's Java (17+). Data lives in a folder (kept across restarts) or in memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { localCreateTableInput, TABLE } from '../../functions/store/table.ts';
import { freePort, waitForHttp } from './ports.ts';

const require = createRequire(import.meta.url);

export interface DynamoLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local on a free port; `dataDir` null means in memory. */
export async function startDynamoLocal(dataDir: string | null): Promise<DynamoLocal> {
  const emulator = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const port = await freePort();
  const storage = dataDir === null ? ['-inMemory'] : ['-dbPath', dataDir];
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      '-Xms64m',
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      ...storage,
      '-sharedDb',
      '-disableTelemetry',
    ],
    // It writes a metadata file into its working directory: keep that out of the project.
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dataDir ?? tmpdir() },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (e) => reject(new Error(`cannot run java for DynamoDB Local (is Java 17+ installed?): ${e.message}`))),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitForHttp(endpoint, 30_000, () => child.exitCode === null), spawnError]);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`DynamoDB Local did not start: ${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Creates the hub's table (from THE table definition) unless it exists. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  await client.send(new CreateTableCommand(localCreateTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.timeToLiveAttribute, Enabled: true },
    }),
  );
  client.destroy();
}

/**
 * `npm start` as an operator meets it: data survives a restart, two instances run side by
 * side, a second start on the same data folder is refused, and stopping leaves no child behind.
 * It exposes nothing beyond loopback and keeps its data folder private to the OS user.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { test } from 'vitest';
import { bucketOf } from '../support/bucket.ts';
import { orders, workOrder } from '../support/documents.ts';
import { hasProcNet, isLoopback, listeners, modes, processTree } from '../support/listeners.ts';
import { client, listeningUrl, ROOT, startStack } from '../support/local-stack.ts';
import { waitUntil } from '../support/shared-stack.ts';

const path = '/facility/PLANT-1/dispensingWorkorders';

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

test('data and keys survive a restart; stopping removes local.json and the DynamoDB child', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-persist-'));
  try {
    const first = await startStack({ dataDir: dir, inMemory: false });
    const key = await first.createKey('erp', ['PLANT-1']);
    assert.equal((await client(first.baseUrl, key).post(path, orders(workOrder('KEEP-1')))).status, 200);
    const instance = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; s3Endpoint: string };
    assert.equal(await first.stop(), 0, 'clean exit code');
    assert.equal(existsSync(join(dir, 'local.json')), false);
    assert.equal(await reachable(instance.dynamodbEndpoint), false, 'DynamoDB Local stopped with the hub');
    assert.equal(await reachable(instance.s3Endpoint), false, 'the S3 emulator stopped with the hub');

    const second = await startStack({ dataDir: dir, inMemory: false });
    try {
      const one = await client(second.baseUrl, key).get(`${path}/KEEP-1`);
      assert.equal(one.status, 200, 'the key and the order are still there');
      assert.equal(one.body.workOrder.workOrderIdentifier.number, 'KEEP-1');
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SIGTERM to `npm start` itself stops the hub and its children (npm does not pass it through its shell)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-npm-'));
  let hubPid: number | undefined;
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, MIXTICKET_DATA_DIR: dir, MIXTICKET_IN_MEMORY: '1', MIXTICKET_QUIET: '1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const baseUrl = await listeningUrl(npm, 'npm start');
    const instance = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as { pid: number; dynamodbEndpoint: string };
    hubPid = instance.pid;
    assert.notEqual(hubPid, npm.pid, 'the hub runs in a process below npm');

    npm.kill('SIGTERM');
    // The outcome, however long a loaded machine takes: both ports closed and local.json gone.
    const up = async () => (await reachable(`${baseUrl}/health`)) || (await reachable(instance.dynamodbEndpoint));
    await waitUntil('the hub to stop cleanly', async () => !(await up()) && !existsSync(join(dir, 'local.json'))).catch(() => undefined);
    assert.equal(await up(), false, 'the gateway and DynamoDB Local stopped');
    assert.equal(existsSync(join(dir, 'local.json')), false, 'a clean stop: local.json removed');
  } finally {
    npm.kill('SIGKILL');
    // Should the hub have outlived npm after all, do not leave it running.
    if (hubPid !== undefined && existsSync(join(dir, 'local.json'))) process.kill(hubPid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two instances run side by side, each with its own data', async () => {
  const [a, b] = await Promise.all([startStack(), startStack()]);
  try {
    assert.notEqual(a.baseUrl, b.baseUrl);
    const keyA = await a.createKey('erp', ['PLANT-1']);
    assert.equal((await client(a.baseUrl, keyA).post(path, orders(workOrder('SIDE-1')))).status, 200);
    assert.equal((await client(b.baseUrl, keyA).get(path)).status, 401, "b does not know a's key");
    const keyB = await b.createKey('erp', ['PLANT-1']);
    assert.equal((await client(b.baseUrl, keyB).get(`${path}/SIDE-1`)).status, 404, "b does not hold a's order");
  } finally {
    await Promise.all([a.destroy(), b.destroy()]);
  }
});

test('a second start on a data folder in use is refused', async () => {
  const a = await startStack();
  try {
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['infra/local/start.ts'], {
        cwd: ROOT,
        env: { ...a.env, PORT: '0' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /already runs/);
    assert.equal((await fetch(`${a.baseUrl}/health`)).status, 200, 'the running instance is untouched');
  } finally {
    await a.destroy();
  }
});

test('the keys CLI works without a running instance, on the data folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-offline-'));
  try {
    const env = { ...process.env, MIXTICKET_DATA_DIR: dir };
    const made = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['infra/keys-cli.ts', 'create', '--role', 'pcs', '--facility', 'PLANT-1'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(made.code, 0);
    const key = made.stdout.trim().split('\n').at(-1)!;
    const stack = await startStack({ dataDir: dir, inMemory: false });
    try {
      assert.equal((await client(stack.baseUrl, key).get(path)).status, 200);
    } finally {
      await stack.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.skipIf(!hasProcNet)('every socket the stack listens on, node and java, is on loopback', async () => {
  const stack = await startStack({ inMemory: false });
  try {
    const instance = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as {
      port: number;
      dynamodbEndpoint: string;
      s3Endpoint: string;
    };
    const found = listeners(processTree(stack.child.pid!));
    const shown = found.map((l) => `${l.command}[${l.pid}] ${l.address}:${l.port}`).join(', ');
    // The gateway, s3rver (both in node) and DynamoDB Local (java) must all be seen, or the
    // check below would prove nothing.
    const ports = new Set(found.map((l) => l.port));
    for (const port of [instance.port, Number(new URL(instance.dynamodbEndpoint).port), Number(new URL(instance.s3Endpoint).port)])
      assert.ok(ports.has(port), `port ${port} is among the listeners found: ${shown}`);
    assert.ok(
      found.some((l) => l.command === 'java'),
      `DynamoDB Local's java process is among them: ${shown}`,
    );
    const exposed = found.filter((l) => !isLoopback(l.address));
    assert.deepEqual(
      exposed.map((l) => `${l.command}[${l.pid}] ${l.address}:${l.port}`),
      [],
      `only loopback listeners; all: ${shown}`,
    );
  } finally {
    await stack.destroy();
  }
});

test('the data folder is private to the user: folders 0700, files 0600, an old folder fixed up', async () => {
  // A folder as an older version left it, with the usual umask 022: open to every local user.
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-private-'));
  try {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 's3', 'old-bucket'), { recursive: true, mode: 0o755 });
    chmodSync(join(dir, 's3'), 0o755);
    chmodSync(join(dir, 's3', 'old-bucket'), 0o755);
    writeFileSync(join(dir, 's3', 'old-bucket', 'old-object'), 'kept', { mode: 0o644 });
    chmodSync(join(dir, 's3', 'old-bucket', 'old-object'), 0o644);

    const stack = await startStack({ dataDir: dir, inMemory: false });
    try {
      // DynamoDB Local writes its database file, s3rver its object and metadata files.
      await stack.createKey('erp', ['PLANT-1']);
      const bucket = bucketOf(stack);
      await bucket.s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'private/check.txt', Body: 'x' }));
      const all = modes(dir);
      const filesMatching = (re: RegExp) => all.filter((e) => e.kind === 'file' && re.test(e.path));
      assert.ok(filesMatching(/dynamodb\/.+\.db$/).length > 0, "DynamoDB Local's database file is there");
      assert.ok(filesMatching(/private\/check\.txt/).length > 0, "s3rver's object file is there");
      assert.ok(filesMatching(/local\.json$/).length > 0, 'local.json is there');
      assert.equal(readFileSync(join(dir, 's3', 'old-bucket', 'old-object'), 'utf8'), 'kept', 'old data kept');
      const open = all.filter((e) => e.mode !== (e.kind === 'folder' ? '0700' : '0600'));
      assert.deepEqual(
        open.map((e) => `${e.kind} ${e.mode} ${e.path.slice(dir.length) || '/'}`),
        [],
        'every folder 0700 and every file 0600',
      );
    } finally {
      await stack.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Starts the real local stack (`infra/local/start.ts`, what `npm start` runs) as a child
 * process on free ports, and drives the real keys CLI. Tests talk to it over HTTP only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../functions/shared/config.ts';
import type { LocalInstance } from '../../infra/local/instance.ts';
import { checkResponse } from './contract.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackOptions {
  /** Keep data in this folder (default: a new temp folder). */
  dataDir?: string;
  /** DynamoDB in memory (default true; false keeps data in dataDir across restarts). */
  inMemory?: boolean;
  port?: number;
  env?: Record<string, string>;
}

export interface LocalStack {
  baseUrl: string;
  dataDir: string;
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
  /** Runs `npm run keys -- ...` against this stack. */
  keys(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Creates a key and returns it (the CLI's last line). */
  createKey(role: 'erp' | 'pcs' | 'operator', facilities: string[], extra?: string[]): Promise<string>;
  stop(): Promise<number | null>;
  /** Removes the data folder too. */
  destroy(): Promise<void>;
}

/** Runs a project script with this Node (e.g. a CLI) to its end, collecting its output. */
export function runNode(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `npm run keys -- ...`-like commands and makes keys for a stack reached through `env`. */
export function keysOf(env: NodeJS.ProcessEnv): Pick<LocalStack, 'keys' | 'createKey'> {
  const keys = (args: string[]) => runNode(['infra/keys-cli.ts', ...args], env);
  return {
    keys,
    async createKey(role, facilities, extra = []) {
      const out = await keys(['create', '--role', role, ...facilities.flatMap((f) => ['--facility', f]), ...extra]);
      if (out.code !== 0) throw new Error(`keys create failed: ${out.stderr}`);
      return out.stdout.trim().split('\n').at(-1)!;
    },
  };
}

/** The base URL a starting hub (start.ts, or `npm start` around it) prints, once it prints it; rejects when it exits first or takes over 120 s (a generous bound: a loaded machine starts DynamoDB Local slowly). */
export function listeningUrl(child: ChildProcess, what: string): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 120 s:\n${output}`)), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output}`));
    });
  });
}

/** Starts a stack and resolves once it prints its base URL. */
export async function startStack(options: StackOptions = {}): Promise<LocalStack> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mixticket-test-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port ?? 0),
    MIXTICKET_DATA_DIR: dataDir,
    MIXTICKET_IN_MEMORY: options.inMemory === false ? '0' : '1',
    MIXTICKET_QUIET: '1',
    POLL_SETTLE_MS: '150',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    ...options.env,
  };
  const child = spawn(process.execPath, ['infra/local/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const baseUrl = await listeningUrl(child, 'stack');
  child.removeAllListeners('exit');
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const stack: LocalStack = {
    baseUrl,
    dataDir,
    child,
    env,
    ...keysOf(env),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async destroy() {
      await stack.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/**
 * A tiny HTTP client for one key. Every answer is checked against openapi.json unless
 * `contract: false` (benchmarks, which time the hub and a floor that is not the hub).
 */
export function client(baseUrl: string, key?: string, { contract = true }: { contract?: boolean } = {}) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...(key ? { 'x-api-key': key } : {}), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, init);
    const text = await res.text();
    // Every answer the tests see must be what openapi.json says (test/support/contract.ts).
    if (contract) checkResponse(method, path, res.status, res.headers, text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    call,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where a running stack keeps its data: its DynamoDB Local, S3 emulator, table and bucket (its local.json). */
export const localInstance = (stack: Pick<LocalStack, 'dataDir'>): LocalInstance =>
  JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as LocalInstance;

/**
 * Points this process's store modules at the stack (a port contract run on the real stores): the
 * environment they read when first used. Import the store modules only after calling it.
 */
export function useStackStores(stack: Pick<LocalStack, 'dataDir' | 'env'>): void {
  const local = localInstance(stack);
  Object.assign(process.env, {
    [ENV.local]: '1',
    [ENV.tableName]: local.tableName,
    [ENV.dynamodbEndpoint]: local.dynamodbEndpoint,
    AWS_REGION: stack.env.AWS_REGION ?? 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
}

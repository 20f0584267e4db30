/**
 * Cold init of every function (routes, the authorizer, event functions): a fresh Node process (this one's binary, Node 24 as on Lambda,
 * NODE_OPTIONS as the stack sets them) importing the function's bundle, built with the stack's
 * own esbuild settings, against a bare bundle that only creates a DynamoDB document client and
 * sends one Query (test/bench/floor/bare-function.ts).
 *
 * The figure is the number of instructions the process executes (valgrind's callgrind, Node
 * with --single-threaded so that no background thread adds its share): on a shared 2-core
 * machine wall time varies by ±50 % from one run to the next, instruction counts by < 0.1 %.
 * Without valgrind the bench falls back to wall time (alternating pairs, whole-process medians).
 * Wall time is printed beside instructions as a secondary column. Prints, asserts nothing.
 *
 * `npm run bench -- cold http/poll-work-orders.ts` measures one entry (and the floor).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { EVENT_FUNCTIONS } from '../../functions/events.ts';
import { AUTHORIZER_ENTRY, ROUTES } from '../../functions/routes.ts';
import { BUNDLE_OPTIONS, FUNCTIONS_DIR, PROJECT_ROOT } from '../../infra/constructs/bundling.ts';
import { percentile } from './stats.ts';

const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  TABLE_NAME: 'mixticket',
  BUCKET_NAME: 'mixticket-documents',
  POWERTOOLS_SERVICE_NAME: 'mixticket-hub',
  // As deployed by default (a customer's `sourceMaps: true` adds --enable-source-maps).
  NODE_OPTIONS: '',
};

/** The function's bundle as the stack builds it (its lazy modules beside it are not read at init). */
async function bundle(entry: string, dir: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.mjs');
  await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], bundle: true, write: true, outfile, logLevel: 'silent' });
  return { file: outfile, bytes: statSync(outfile).size };
}

const importArgs = (file: string) => ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`];

/** Milliseconds for a fresh process to import `file` and exit. */
function initOnce(file: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, importArgs(file), { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

/** Whether valgrind runs here (it does on this machine kind and on CI's). */
function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Instructions a fresh single-threaded Node process executes to import `file` and exit,
 * counted by callgrind (two runs agree within 0.05 % whatever the machine's load).
 */
function instructionsOnce(file: string, dir: string): number {
  const out = join(dir, `callgrind.${process.pid}.out`);
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', ...importArgs(file)],
    { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (r.status !== 0) throw new Error(`callgrind on ${file} failed: ${r.stderr.toString().slice(-500)}`);
  const text = readFileSync(out, 'utf8');
  rmSync(out, { force: true });
  const m = /^(?:summary|totals):\s*(\d+)/m.exec(text);
  if (!m) throw new Error(`no instruction total in callgrind output of ${file}`);
  return Number(m[1]);
}

/** Median wall time of `file` and of `floor` over `pairs` alternating pairs. */
function pairRatio(file: string, floor: string, pairs: number): { fn: number; floor: number; ratio: number } {
  const a: number[] = [];
  const b: number[] = [];
  initOnce(file);
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      a.push(initOnce(file));
      b.push(initOnce(floor));
    } else {
      b.push(initOnce(floor));
      a.push(initOnce(file));
    }
  }
  const fn = percentile(a, 50);
  const fl = percentile(b, 50);
  return { fn, floor: fl, ratio: fn / fl };
}

export interface ColdStart {
  entry: string;
  bytes: number;
  /** Instructions at init (callgrind), when valgrind is there. */
  instructions?: number;
  /** Median wall time of init. */
  initMs: number;
  /** Against the floor: by instructions when counted, else by wall time. */
  ratio: number;
}

/** Single imports on their own, each against an empty bundle: what each costs at init. */
const IMPORTS: Record<string, string> = {
  'DynamoDB document client':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; export const c = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
  'S3 client': "import { S3Client } from '@aws-sdk/client-s3'; export const c = new S3Client({});",
  'S3 presigners (GET + POST)':
    "export { getSignedUrl } from '@aws-sdk/s3-request-presigner'; export { createPresignedPost } from '@aws-sdk/s3-presigned-post';",
  'Powertools logger': "import { Logger } from '@aws-lambda-powertools/logger'; export const l = new Logger();",
  'Powertools metrics': "import { Metrics } from '@aws-lambda-powertools/metrics'; export const m = new Metrics({ namespace: 'x' });",
  'middy + normalizers':
    "export { default as middy } from '@middy/core'; export { default as a } from '@middy/http-event-normalizer'; export { default as b } from '@middy/http-header-normalizer';",
  'work-order validators': "export * from './functions/generated/validators/validate-work-order-request.cjs';",
  'work-record validators': "export * from './functions/generated/validators/validate-work-record-request.cjs';",
};

export interface ColdOptions {
  /** One entry (relative to functions/, e.g. http/poll-work-orders.ts) instead of all. */
  only?: string;
  /** Wall-time pairs per function (the secondary column; the figure without valgrind). */
  pairs?: number;
  /** Also what single imports cost (all entries only). */
  imports?: boolean;
}

const M = (n: number) => (n / 1e6).toFixed(0);

export async function benchColdStart(options: ColdOptions = {}): Promise<ColdStart[]> {
  const counted = hasValgrind();
  const pairs = options.pairs ?? (counted ? 3 : 10);
  // Every function the stack deploys: the routes', the authorizer, and the event functions (stream consumers, scheduled jobs).
  const entries = [...ROUTES.map((r) => r.entry), AUTHORIZER_ENTRY, ...EVENT_FUNCTIONS.map((f) => f.entry)].filter(
    (e) => options.only === undefined || e === options.only,
  );
  if (entries.length === 0) throw new Error(`no route, authorizer or event-function entry ${options.only}`);
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-cold-'));
  try {
    const floor = await bundle(join(PROJECT_ROOT, 'test/bench/floor/bare-function.ts'), join(dir, 'floor'));
    const load0 = loadavg()[0]!;
    const out: ColdStart[] = [];
    console.log(
      counted
        ? `\nCold init: instructions of a fresh single-threaded Node ${process.version} process importing the bundle (callgrind); wall time: median of ${pairs} alternating pairs`
        : `\nCold init (no valgrind here: wall time only): fresh Node ${process.version} process importing the bundle, ${pairs} alternating pairs, whole-process medians`,
    );
    const floorInstr = counted ? instructionsOnce(floor.file, dir) : 0;
    console.log(
      `  floor: bare function (DynamoDB document client + one Query), ${(floor.bytes / 1024).toFixed(0)} KiB${counted ? `, ${M(floorInstr)} M instructions` : ''}`,
    );
    console.log(
      `  ${'function'.padEnd(34)} ${'KiB'.padStart(5)} ${counted ? `${'M instr'.padStart(8)}  ratio ` : ''} wall ms  floor ms  wall ratio`,
    );
    for (const entry of entries) {
      const b = await bundle(join(FUNCTIONS_DIR, entry), join(dir, entry.replaceAll('/', '_')));
      const instructions = counted ? instructionsOnce(b.file, dir) : undefined;
      const r = pairRatio(b.file, floor.file, pairs);
      const ratio = instructions !== undefined ? instructions / floorInstr : r.ratio;
      out.push({ entry, bytes: b.bytes, instructions, initMs: r.fn, ratio });
      console.log(
        `  ${entry.padEnd(34)} ${(b.bytes / 1024).toFixed(0).padStart(5)} ${
          instructions !== undefined ? `${M(instructions).padStart(8)}  ${ratio.toFixed(2).padStart(5)} ` : ''
        } ${r.fn.toFixed(0).padStart(7)}  ${r.floor.toFixed(0).padStart(8)}  ${r.ratio.toFixed(2).padStart(10)}`,
      );
    }
    if (options.imports ?? options.only === undefined) {
      console.log('  what single imports cost (bundle of that import alone vs an empty bundle):');
      const emptyEntry = join(dir, 'empty.mjs');
      writeFileSync(emptyEntry, 'export {};\n');
      const empty = await bundle(emptyEntry, join(dir, 'empty'));
      const emptyInstr = counted ? instructionsOnce(empty.file, dir) : 0;
      for (const [name, source] of Object.entries(IMPORTS)) {
        const src = join(PROJECT_ROOT, `.bench-import-${process.pid}.mjs`);
        writeFileSync(src, `${source}\n`);
        try {
          const b = await bundle(src, join(dir, `import-${name.replace(/\W+/g, '-')}`));
          const cost = counted
            ? `+${M(instructionsOnce(b.file, dir) - emptyInstr).padStart(4)} M instructions`
            : `+${(() => {
                const r = pairRatio(b.file, empty.file, Math.max(4, pairs / 2));
                return (r.fn - r.floor).toFixed(0).padStart(3);
              })()} ms`;
          console.log(`    ${name.padEnd(28)} ${(b.bytes / 1024).toFixed(0).padStart(5)} KiB  ${cost}`);
        } finally {
          rmSync(src, { force: true });
        }
      }
      if (counted) console.log(`    (empty bundle: ${M(emptyInstr)} M instructions)`);
    }
    console.log(`  (load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

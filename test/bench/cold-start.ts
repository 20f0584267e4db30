/**
 * Cold init of every function: a fresh Node process (this one's binary, Node 24 as on Lambda,
 * NODE_OPTIONS as the stack sets them) importing the function's bundle, built with the stack's
 * own esbuild settings, against a bare bundle that only creates a DynamoDB document client and
 * sends one Query (test/bench/floor/bare-function.ts). Pairs alternate function and floor; the
 * figure is the ratio of whole-process medians. Also what single imports cost on their own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
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
  NODE_OPTIONS: '--enable-source-maps',
};

async function bundle(entry: string, dir: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.mjs');
  await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], bundle: true, write: true, outfile, logLevel: 'silent' });
  return { file: outfile, bytes: statSync(outfile).size };
}

/** Milliseconds for a fresh process to import `file` and exit. */
function initOnce(file: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`], {
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

/** Median init of `file` and of the floor over `pairs` alternating pairs. */
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
  initMs: number;
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

export async function benchColdStart(pairs = 10): Promise<ColdStart[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-cold-'));
  try {
    const floor = await bundle(join(PROJECT_ROOT, 'test/bench/floor/bare-function.ts'), join(dir, 'floor'));
    const load0 = loadavg()[0]!;
    const out: ColdStart[] = [];
    console.log(
      `\nCold init: fresh Node ${process.version} process importing the bundle, ${pairs} alternating pairs, whole-process medians`,
    );
    console.log(`  floor: bare function (DynamoDB document client + one Query), ${(floor.bytes / 1024).toFixed(0)} KiB`);
    for (const entry of [...ROUTES.map((r) => r.entry), AUTHORIZER_ENTRY]) {
      const b = await bundle(join(FUNCTIONS_DIR, entry), join(dir, entry.replaceAll('/', '_')));
      const r = pairRatio(b.file, floor.file, pairs);
      out.push({ entry, bytes: b.bytes, initMs: r.fn, ratio: r.ratio });
      console.log(
        `  ${entry.padEnd(32)} ${(b.bytes / 1024).toFixed(0).padStart(5)} KiB  init ${r.fn.toFixed(0).padStart(4)} ms  floor ${r.floor.toFixed(0).padStart(4)} ms  ratio ${r.ratio.toFixed(2)}`,
      );
    }
    console.log('  what single imports cost (bundle of that import alone vs an empty bundle):');
    const emptyEntry = join(dir, 'empty.mjs');
    writeFileSync(emptyEntry, 'export {};\n');
    const empty = await bundle(emptyEntry, join(dir, 'empty'));
    for (const [name, source] of Object.entries(IMPORTS)) {
      const src = join(PROJECT_ROOT, `.bench-import-${process.pid}.mjs`);
      writeFileSync(src, `${source}\n`);
      try {
        const b = await bundle(src, join(dir, `import-${name.replace(/\W+/g, '-')}`));
        const r = pairRatio(b.file, empty.file, Math.max(4, pairs / 2));
        console.log(
          `    ${name.padEnd(28)} ${(b.bytes / 1024).toFixed(0).padStart(5)} KiB  +${(r.fn - r.floor).toFixed(0).padStart(3)} ms`,
        );
      } finally {
        rmSync(src, { force: true });
      }
    }
    console.log(`  (load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

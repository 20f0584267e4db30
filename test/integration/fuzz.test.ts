/**
 * Property-based fuzzing of every route of the route table (functions/routes.ts), over real
 * HTTP against the shared local stack. Each route is driven by its row alone — method, path
 * template, roles — so a route added to the table is fuzzed without new test code.
 *
 * Per request: a key (one of each role the route allows, a key of another role, one scoped
 * to another facility, a revoked one, a garbage one, none), the path's parameters (facility
 * ids the key holds and others, odd characters, raw and malformed percent-encoding, unicode),
 * query parameters, and for POST routes a body: one of our fixtures (canonical or the older
 * PascalCase form), wrapped in some envelope, then mutated.
 *
 * Properties:
 *   - never a 5xx;
 *   - every 4xx is problem+json with a `urn:mixticket:problem:` type and the HTTP status;
 *   - a request without a key that covers the route and facility is never answered 2xx/3xx;
 *   - a rejected request writes nothing: the table partitions and bucket prefixes of every
 *     facility it could touch are the same before and after.
 *
 * Seeded and bounded: FUZZ_SEED (default below) and FUZZ_BUDGET_MS (default 45 s for all
 * routes together). The seed, the requests tried and the statuses seen are printed; a failure
 * prints fast-check's counterexample and the seed and path to replay it.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import { workOrder } from '../support/documents.ts';
import { pdf } from '../support/files.ts';
import { client, ROOT } from '../support/local-stack.ts';
import { HUB_AGENCY, inlineDocument, workRecord } from '../support/records.ts';
import { type SharedStack, settled, sharedStack } from '../support/shared-stack.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20260411);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 1000);
/** The budget shared by the routes, routes with bodies to fuzz twice as much as the others. */
const hasBody = (def: RouteDef) => def.method === 'POST' || def.method === 'PUT';
const weightOf = (def: RouteDef) => (hasBody(def) ? 2 : 1);
const routeBudgetMs = (def: RouteDef) => Math.floor((BUDGET_MS * weightOf(def)) / ROUTES.reduce((sum, r) => sum + weightOf(r), 0));

const PREFIX = `FZ${process.pid}`;
/** Facilities the scoped keys hold, and one they do not (only the ERP's '*' key reaches it). */
const HELD = [`${PREFIX}-A`, `${PREFIX}-B`];
const OTHER = `${PREFIX}-C`;
const FACILITY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const isFacilityId = (s: string) => FACILITY_ID.test(s) && s !== '.' && s !== '..';

// ---------------------------------------------------------------------------------------------
// The stack, its keys and what the fuzz starts from

interface Key {
  name: string;
  key?: string;
  role?: 'erp' | 'pcs';
  /** Facilities a working key holds ('*' every one); empty for keys that do not work. */
  facilities: string[];
}

let stack: SharedStack;
let keys: Key[] = [];
/** Values worth trying for path parameters by name, beyond the generic ones. */
const known: Record<string, string[]> = {};
const cursors: string[] = [];
let dynamo: DynamoDBDocumentClient;
let s3: S3Client;
let tableName: string;
let bucketName: string;

/** Statuses seen per route. */
const seen = new Map<string, Map<number, number>>();

beforeAll(async () => {
  stack = sharedStack();
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as {
    dynamodbEndpoint: string;
    s3Endpoint: string;
    tableName: string;
    bucketName: string;
  };
  ({ tableName, bucketName } = local);
  // The credentials the hub's own functions use locally (DynamoDB Local keeps one database per access key).
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const region = stack.env.AWS_REGION ?? 'us-east-1';
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region, credentials }));
  s3 = new S3Client({
    endpoint: local.s3Endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  // Made side by side: each is a run of the keys CLI.
  const [erp, erpAll, erpLegacy, pcs, pcsOther, revoked] = await Promise.all([
    stack.createKey('erp', HELD, ['--name', 'fuzz ERP']),
    stack.createKey('erp', ['*'], ['--name', 'fuzz ERP *']),
    stack.createKey('erp', HELD, ['--format', 'legacy']),
    stack.createKey('pcs', HELD, ['--name', 'fuzz PCS']),
    stack.createKey('pcs', [OTHER]),
    stack.createKey('erp', HELD, ['--name', 'fuzz revoked']),
  ]);
  assert.equal((await stack.keys(['revoke', revoked.split('_')[1]!])).code, 0);
  keys = [
    { name: 'erp', key: erp, role: 'erp', facilities: HELD },
    { name: 'erp *', key: erpAll, role: 'erp', facilities: ['*'] },
    { name: 'erp legacy', key: erpLegacy, role: 'erp', facilities: HELD },
    { name: 'pcs', key: pcs, role: 'pcs', facilities: HELD },
    { name: 'pcs of another facility', key: pcsOther, role: 'pcs', facilities: [OTHER] },
    { name: 'revoked', key: revoked, facilities: [] },
    { name: 'wrong secret', key: `${erp.slice(0, -4)}AAAA`, facilities: [] },
    { name: 'unknown id', key: `mtk_000000000000_${'A'.repeat(43)}`, facilities: [] },
    { name: 'not a key', key: 'Bearer hello', facilities: [] },
    { name: 'long', key: 'k'.repeat(6000), facilities: [] },
    { name: 'empty', key: '', facilities: [] },
    { name: 'none', facilities: [] },
  ];

  // Orders the fuzz can name: the fixtures, and more than a poll page (20 on the shared stack) for a cursor.
  const [f] = HELD as [string];
  const seedOrders = [...SEEDS.dispensingWorkOrder.canonical, ...Array.from({ length: 22 }, (_, i) => workOrder(`FZ-SEED-${i}`))];
  const pushed = await client(stack.baseUrl, erp).post(`/facility/${f}/dispensingWorkorders`, { dispensingWorkOrder: seedOrders });
  assert.equal(pushed.status, 200, pushed.text);
  const record = workRecord('FZ-WR-1', { documents: [inlineDocument(pdf('fuzz'), 'pdf', { ticket: 'BOL-FZ' })] });
  const submitted = await client(stack.baseUrl, pcs).post(`/facility/${f}/dispensingWorkRecords`, { dispensingWorkRecord: [record] });
  assert.equal(submitted.status, 200, submitted.text);
  const upload = await client(stack.baseUrl, pcs).post(`/facility/${f}/documents`, {
    fileName: 'big.pdf',
    contentType: 'application/pdf',
    size: 5000,
  });
  assert.equal(upload.status, 201, upload.text);
  await settled(stack);
  const polled = await client(stack.baseUrl, pcs).get(`/facility/${f}/dispensingWorkorders`);
  const next = /<([^>]+)>; rel="next"/.exec(polled.headers.get('link') ?? '');
  assert.ok(next, 'a poll of more than a page links to the next one');
  const cursor = new URL(next[1]!).searchParams.get('cursor')!;
  cursors.push(cursor, `${cursor.slice(0, -2)}AA`, cursor.split('.')[0]!);
  const recs = await client(stack.baseUrl, erp).get(`/facility/${f}/dispensingWorkRecords`);
  const stored = JSON.stringify(recs.body).match(/doc_[0-9a-f]{32}/);
  assert.ok(stored, recs.text);
  known.workOrderNumber = seedOrders.slice(0, 4).map((o) => o.workOrderIdentifier.number);
  known.workRecordNumber = ['FZ-WR-1'];
  known.documentId = [stored[0], upload.body.documentId as string];
});

afterAll(() => {
  const total = new Map<number, number>();
  let requests = 0;
  const lines: string[] = [];
  for (const [route, statuses] of seen) {
    let n = 0;
    for (const [status, count] of statuses) {
      total.set(status, (total.get(status) ?? 0) + count);
      n += count;
    }
    requests += n;
    lines.push(`  ${route}: ${n} requests ${histogram(statuses)}`);
  }
  console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it): ${requests} requests ${histogram(total)}\n${lines.join('\n')}`);
});

const histogram = (m: Map<number, number>) => JSON.stringify(Object.fromEntries([...m].sort((a, b) => a[0] - b[0])));

// ---------------------------------------------------------------------------------------------
// Bodies: fixtures of each document kind, by the route path they belong to

function fixtures(folder: string, prefix: string): any[] {
  const dir = join(ROOT, 'test', 'fixtures', folder);
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .flatMap((name) => {
      const doc = JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
      return Array.isArray(doc) ? doc : [doc];
    });
}

interface Seeds {
  /** Routes whose path ends so take these documents. */
  path: RegExp;
  canonical: any[];
  legacy: any[];
  /** Where the document's own identity is, to make some bodies new documents. */
  identity?: string;
  /** The body is one document, not an envelope (PUT of one order). */
  single?: true;
}

/** Seeds of one of the plant kinds: the envelope is also the route's last path segment. */
function plantSeeds(envelope: string, canonical: any[]): Record<string, Seeds> {
  const identity = envelope === 'receipts' || envelope === 'stockCounts' ? {} : { identity: 'identifier' };
  return { [envelope]: { path: new RegExp(`/${envelope}$`), canonical, legacy: canonical, ...identity } };
}

const SEEDS = {
  dispensingWorkOrder: {
    path: /\/dispensingWorkorders$/,
    canonical: fixtures('canonical', 'work-order'),
    legacy: fixtures('legacy', 'work-order'),
    identity: 'workOrderIdentifier',
  },
  dispensingWorkRecord: {
    path: /\/dispensingWorkRecords$/,
    canonical: fixtures('canonical', 'work-record'),
    legacy: fixtures('legacy', 'work-record'),
    identity: 'workRecordIdentifier',
  },
  acknowledgeWorkOrderReceipt: {
    path: /\/acknowledgeWorkOrderReceipt$/,
    canonical: fixtures('canonical', 'acknowledgement'),
    legacy: fixtures('legacy', 'acknowledgement'),
  },
  dispensingWorkOrderSingle: {
    path: /\/dispensingWorkorders\/\{workOrderNumber\}$/,
    canonical: fixtures('canonical', 'work-order'),
    legacy: fixtures('legacy', 'work-order'),
    identity: 'workOrderIdentifier',
    single: true,
  },
  dispensingWorkRecordSingle: {
    path: /\/dispensingWorkRecords\/\{workRecordNumber\}$/,
    canonical: fixtures('canonical', 'work-record'),
    legacy: fixtures('legacy', 'work-record'),
    identity: 'workRecordIdentifier',
    single: true,
  },
  // Plant master data and stock: the hub's own kinds, canonical only (the older form is their canonical text).
  ...plantSeeds('components', [
    { identifier: { agency: 'AssignedBySeller', number: 'P-DAP' }, name: 'DAP', uom: 'KGM', density: 1.1, active: true },
  ]),
  ...plantSeeds('recipes', [
    {
      identifier: { agency: 'AssignedBySeller', number: 'R-1' },
      name: 'Blend',
      lines: [{ component: { agency: 'AssignedBySeller', number: 'P-DAP' }, quantity: { value: 500, uom: 'KGM' } }],
    },
  ]),
  ...plantSeeds('purchaseOrders', [
    {
      identifier: { agency: 'AssignedBySeller', number: 'PO-1' },
      lines: [{ line: 1, component: { agency: 'AssignedBySeller', number: 'P-DAP' }, quantity: { value: 500, uom: 'KGM' } }],
    },
  ]),
  ...plantSeeds('receipts', [
    {
      receiptId: 'GR-1',
      component: { agency: 'AssignedBySeller', number: 'P-DAP' },
      quantity: { value: 12.5, uom: 'TNE' },
      purchaseOrder: { number: 'PO-1', line: 1 },
      receivedAt: '2026-05-04T06:00:00Z',
    },
  ]),
  ...plantSeeds('stockCounts', [
    {
      countId: 'CNT-1',
      component: { agency: 'AssignedBySeller', number: 'P-DAP' },
      location: 'SILO-1',
      quantity: { value: 3, uom: 'KGM' },
      countedAt: '2026-05-04T09:00:00Z',
    },
  ]),
  // Not an envelope: the body of a direct-upload request is one object.
  '': {
    path: /\/documents$/,
    canonical: [{ fileName: 'BOL-7731.pdf', contentType: 'application/pdf', size: 120_000 }],
    legacy: [{ FileName: 'BOL-7731.pdf', ContentType: 'application/pdf', Size: 120_000 }],
  },
} satisfies Record<string, Seeds>;

/** Short text that tends to break things: unicode edge cases, lone surrogates, bidi marks. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\uD800',
    '\uDFFF',
    'a\uD83D',
    '\u202Eevil\u202C',
    '\u200F\u200E',
    '\u0000',
    '#',
    '%',
    '../..',
    '😀'.repeat(200),
  ),
);

/** The same, and huge strings. */
const nastyString = fc.oneof(
  { arbitrary: nastyText, weight: 6 },
  { arbitrary: fc.integer({ min: 129, max: 300_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Any JSON value, nasty ones weighted up. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: nastyString, weight: 4 },
  {
    arbitrary: fc.constantFrom(0, -1, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 52428801, 4294967296, 1.5, null, true, false),
    weight: 2,
  },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 60 }).map((depth) => nest(depth)), weight: 1 },
  { arbitrary: fc.constantFrom([], {}, [[]], [{}], [null]), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

/** Objects nested `depth` deep (arrays and objects alternate). */
function nest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

type Path = (string | number)[];

/** Every path to a value inside `v` (the root included). */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'extra', 'wrap', 'unwrap', 'pascal', 'empty'),
  value: nastyValue,
  name: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', 'Header', 'workOrderType'), nastyText),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Applies one mutation at one path of `body` (in place); returns the new root. */
function mutate(body: unknown, m: Mutation): unknown {
  const all = paths(body);
  const path = all[m.at % all.length]!;
  const get = (p: Path) => p.reduce<any>((v, k) => v?.[k], body);
  const set = (p: Path, value: unknown): unknown => {
    if (p.length === 0) return value;
    const parent = get(p.slice(0, -1));
    parent[p.at(-1)!] = value;
    return body;
  };
  const target = get(path);
  switch (m.op) {
    case 'replace':
      return set(path, m.value);
    case 'delete': {
      if (path.length === 0) return undefined;
      const parent = get(path.slice(0, -1));
      if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1);
      else delete parent[path.at(-1)!];
      return body;
    }
    case 'extra':
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, m.name, { value: m.value, enumerable: true, configurable: true, writable: true });
      } else if (Array.isArray(target)) target.push(m.value);
      return body;
    case 'wrap':
      return set(path, [target]);
    case 'unwrap':
      return set(path, Array.isArray(target) ? (target[0] ?? {}) : { value: target });
    case 'pascal':
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        return set(path, Object.fromEntries(Object.entries(target).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v])));
      }
      return body;
    default:
      return set(path, Array.isArray(target) ? [] : typeof target === 'string' ? '' : {});
  }
}

/** A JSON body for a POST or PUT route: documents of the route's kind (any kind for a route we have none for), enveloped, mutated. */
function bodyFor(def: RouteDef): fc.Arbitrary<{ text: string | Buffer; contentType?: string }> {
  const mine = Object.entries(SEEDS).filter(([, s]) => s.path.test(def.path));
  const families = mine.length > 0 ? mine : Object.entries(SEEDS);
  const documents = fc.constantFrom(...families).chain(([envelope, seeds]) =>
    fc
      .record({
        legacy: fc.boolean(),
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fresh: fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
        shape: fc.constantFrom('envelope', 'envelope', 'envelope', 'bare', 'pascal', 'single', 'many', 'scalar'),
        scalar: fc.constantFrom<unknown>(null, 42, 'text', true, [], {}),
      })
      .map(({ legacy, picks, fresh, shape, scalar }) => {
        const pool = legacy ? seeds.legacy : seeds.canonical;
        const docs = picks.map((i) => structuredClone(pool[i % pool.length]));
        if (fresh !== undefined && 'identity' in seeds) {
          for (const [i, doc] of docs.entries()) {
            const id = legacy ? doc[seeds.identity.charAt(0).toUpperCase() + seeds.identity.slice(1)] : doc[seeds.identity];
            if (id && typeof id === 'object') id[legacy ? 'Number' : 'number'] = `FZ-${fresh}-${i}`;
          }
        }
        if (shape === 'scalar') return scalar;
        if (envelope === '' || ('single' in seeds && shape !== 'envelope')) return shape === 'bare' ? docs : docs[0];
        const pascal = envelope.charAt(0).toUpperCase() + envelope.slice(1);
        if (shape === 'bare') return docs;
        if (shape === 'pascal') return { [pascal]: docs };
        if (shape === 'single') return { [envelope]: docs[0] };
        if (shape === 'many') return { [envelope]: Array.from({ length: 51 }, () => docs[0]) };
        return { [envelope]: docs };
      }),
  );
  const mutated = fc
    .tuple(documents, fc.array(mutation, { maxLength: 4 }))
    .map(([doc, ms]) => ms.reduce<unknown>((body, m) => mutate(body, m), doc));
  const encodings = fc.oneof(
    { arbitrary: fc.constant('json'), weight: 12 },
    { arbitrary: fc.constantFrom('bom', 'truncated', 'latin1', 'deep', 'empty', 'oversize', 'pretty'), weight: 1 },
  );
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 10 },
    {
      arbitrary: fc.constantFrom(
        undefined,
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/problem+json',
        'text/plain',
        'application/octet-stream',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ),
      weight: 2,
    },
  );
  return fc.record({ body: mutated, encoding: encodings, contentType }).map(({ body, encoding, contentType }) => {
    const json = JSON.stringify(body) ?? '';
    const text: string | Buffer =
      encoding === 'bom'
        ? `\uFEFF${json}`
        : encoding === 'truncated'
          ? json.slice(0, Math.floor(json.length / 2))
          : encoding === 'latin1'
            ? Buffer.concat([Buffer.from(json.slice(0, -2)), Buffer.from([0xff, 0xc3]), Buffer.from(json.slice(-2))])
            : encoding === 'deep'
              ? `${'['.repeat(5000)}${']'.repeat(5000)}`
              : encoding === 'empty'
                ? ''
                : encoding === 'oversize'
                  ? JSON.stringify({ padding: 'x'.repeat(6_000_001) })
                  : encoding === 'pretty'
                    ? JSON.stringify(body, null, 2)
                    : json;
    return { text, ...(contentType ? { contentType } : {}) };
  });
}

// ---------------------------------------------------------------------------------------------
// URLs: path parameters and query strings

/** UTF-8 bytes of one code point; a lone surrogate as the bytes a lenient encoder would write (not UTF-8). */
function codePointBytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/** Percent-encodes everything but unreserved characters (lone surrogates included, as above). */
function encode(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[A-Za-z0-9._~-]$/.test(ch)) out += ch;
    else
      out += codePointBytes(ch.codePointAt(0)!)
        .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
        .join('');
  }
  return out;
}

/** A path or query component: the decoded text it stands for (null: does not decode) and how it is sent. */
interface Part {
  text: string | null;
  raw: string;
}

const encoded = (text: fc.Arbitrary<string>): fc.Arbitrary<Part> => text.map((t) => ({ text: t, raw: encode(t) }));

/** Sent as is: escapes that are malformed or not UTF-8, segments that look like folders, sizes. */
const rawPart: fc.Arbitrary<Part> = fc.oneof(
  fc.constantFrom<Part>(
    { text: null, raw: '%' },
    { text: null, raw: '%E0%A4%A' },
    { text: null, raw: '%FF' },
    { text: null, raw: '%ED%A0%80' },
    { text: null, raw: '%C0%AE' },
    { text: '..', raw: '%2e%2e' },
    { text: '..', raw: '..' },
    { text: '.', raw: '.' },
    { text: 'a/b', raw: 'a%2Fb' },
    { text: '\u0000', raw: '%00' },
    { text: 'a b', raw: 'a+b' },
    { text: "~!$&'()*,;=:@", raw: "~!$&'()*,;=:@" },
  ),
);

/** Past the longest request target the gateway serves (rarely: each one is a 414 and nothing else). */
const longPart: fc.Arbitrary<Part> = fc.integer({ min: 8000, max: 9000 }).map((n) => ({ text: 'x'.repeat(n), raw: 'x'.repeat(n) }));

/** Values for a path parameter: the ones worth knowing (facilities the keys hold, orders that exist), valid-looking ones, odd ones. */
function paramPart(name: string): fc.Arbitrary<Part> {
  const worth = name === 'facilityId' ? [...HELD, OTHER] : (known[name] ?? []);
  return fc.oneof(
    { arbitrary: encoded(worth.length > 0 ? fc.constantFrom(...worth) : fc.constant('x')), weight: 80 },
    { arbitrary: encoded(fc.stringMatching(/^[A-Za-z0-9._-]{1,70}$/)), weight: 20 },
    { arbitrary: encoded(nastyText), weight: 20 },
    { arbitrary: rawPart, weight: 10 },
    { arbitrary: longPart, weight: 1 },
  );
}

const timeText = fc.oneof(
  {
    arbitrary: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    weight: 4,
  },
  { arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '2026-04-07T13:20:05-05:00',
      '2026-04-07T13:20:05+05:30',
      '2026-04-07T13:20:05 05:30',
      '2026-04-07T13:20:05',
      '2026-02-30T00:00:00Z',
      '2026-04-07',
      '+275760-09-13T00:00:00.000Z',
      'now',
      '',
    ),
    weight: 2,
  },
  { arbitrary: nastyText, weight: 1 },
);

/** Absent most of the time, else one of `values`. */
const sometimes = (values: fc.Arbitrary<Part>, absent = 2) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: values, weight: 1 });

/** A query string: the parameters the routes read (each mostly valid when present), and others. */
const queryPart = (): fc.Arbitrary<string> =>
  fc
    .record({
      // A `+` sent as is arrives as a space, which the hub reads as `+`.
      lastExecutionDateTime: sometimes(
        fc.oneof(
          encoded(timeText),
          timeText.map((t) => ({ text: t, raw: encode(t).replaceAll('%2B', '+') })),
        ),
        1,
      ),
      cursor: sometimes(fc.oneof(encoded(fc.constantFrom(...(cursors.length ? cursors : ['x']))), encoded(nastyText)), 4),
      format: sometimes(encoded(fc.oneof(fc.constantFrom('legacy', 'legacy', 'canonical', 'legacy-numeric', 'LEGACY'), nastyText)), 3),
      agency: sometimes(encoded(fc.oneof(fc.constantFrom('AssignedBySender', 'AssignedByOriginator', HUB_AGENCY, 'Custom'), nastyText)), 3),
      // Summaries and consumption reports.
      status: sometimes(encoded(fc.oneof(fc.constantFrom('open', 'open,onHold', 'complete, cancelled', 'Open', 'open,,'), nastyText)), 4),
      createdFrom: sometimes(encoded(timeText), 6),
      modifiedFrom: sometimes(encoded(timeText), 5),
      modifiedTo: sometimes(encoded(timeText), 6),
      limit: sometimes(encoded(fc.oneof(fc.constantFrom('1', '100', '1000', '0', '1001', '-1', '1e2'), nastyText)), 4),
      from: sometimes(encoded(fc.oneof(fc.constantFrom('2026-03-01', '2026-02-30', '2026-03-08T07:15:00Z'), timeText)), 1),
      to: sometimes(encoded(fc.oneof(fc.constantFrom('2026-03-09', '2027-03-01', '2026-03-08T07:16:00Z'), timeText)), 1),
      groupBy: sometimes(encoded(fc.oneof(fc.constantFrom('product', 'day', 'order', 'week'), nastyText)), 2),
      tz: sometimes(encoded(fc.oneof(fc.constantFrom('UTC', 'America/Chicago', 'Asia/Kathmandu', 'Mars/Olympus'), nastyText)), 3),
      extraName: sometimes(fc.oneof(encoded(fc.string({ maxLength: 10 })), rawPart), 4),
      extraValue: fc.oneof(encoded(nastyText), rawPart),
      repeated: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 8 },
        { arbitrary: fc.constantFrom('format', 'cursor', 'lastExecutionDateTime', 'agency'), weight: 1 },
      ),
    })
    .map(({ extraName, extraValue, repeated, ...named }) => {
      const pairs = Object.entries(named)
        .filter((e): e is [string, Part] => e[1] !== undefined)
        .map(([k, v]) => `${k}=${v.raw}`);
      if (extraName) pairs.push(`${extraName.raw}=${extraValue.raw}`);
      if (repeated) pairs.push(`${repeated}=x`);
      return pairs.length ? `?${pairs.join('&')}` : '';
    });

// ---------------------------------------------------------------------------------------------
// One request of a route, and what is checked about its answer

interface FuzzRequest {
  method: string;
  key: Key;
  /** Decoded path parameters (null: did not decode). */
  params: Record<string, string | null>;
  url: string;
  body?: { text: string | Buffer; contentType?: string };
}

function requestFor(def: RouteDef): fc.Arbitrary<FuzzRequest> {
  const names = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const roles = def.roles as readonly string[];
  return fc
    .record({
      method: fc.oneof({ arbitrary: fc.constant(def.method), weight: 20 }, { arbitrary: fc.constant('PATCH'), weight: 1 }),
      // Keys of the route's roles most of the time; every other kind of key too.
      key: fc.oneof(...keys.map((k) => ({ arbitrary: fc.constant(k), weight: k.role && roles.includes(k.role) ? 8 : 1 }))),
      parts: fc.tuple(...names.map(paramPart)),
      query: queryPart(),
      body: hasBody(def) ? bodyFor(def) : fc.constant(undefined),
    })
    .map(({ method, key, parts, query, body }) => {
      const params: Record<string, string | null> = {};
      names.forEach((name, i) => (params[name] = parts[i]!.text));
      let n = 0;
      const path = def.path.replace(/\{\w+\}/g, () => parts[n++]!.raw);
      return { method, key, params, url: path + query, ...(body ? { body } : {}) };
    });
}

/** True when the key may call this route at this facility: then and only then may the answer be 2xx/3xx. */
function covered(def: RouteDef, req: FuzzRequest): boolean {
  if (def.roles.length === 0) return true;
  if (!req.key.role || !(def.roles as readonly string[]).includes(req.key.role)) return false;
  if (!('facilityId' in req.params)) return true;
  const f = req.params.facilityId;
  return f !== null && isFacilityId(f) && (req.key.facilities.includes('*') || req.key.facilities.includes(f));
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(req: FuzzRequest): Promise<{ status: number; contentType?: string; text: string }> {
  const { hostname, port } = new URL(stack.baseUrl);
  const headers: Record<string, string> = req.key.key === undefined ? {} : { 'x-api-key': req.key.key };
  const body = req.body === undefined ? undefined : Buffer.from(req.body.text);
  if (req.body?.contentType) headers['content-type'] = req.body.contentType;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const r = request({ hostname, port, method: req.method, path: req.url, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** What is stored for a facility: its table partition and, if asked, its bucket prefixes. */
async function snapshot(facility: string, withBucket: boolean): Promise<string> {
  const out: unknown[] = [];
  // The facility's partition, and those of its master data and stock balances.
  for (const pk of ['', '#COMP', '#RECIPE', '#PO', '#STOCK'].map((suffix) => `FAC#${facility}${suffix}`)) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  if (withBucket) {
    for (const prefix of [`documents/${facility}/`, `uploads/${facility}/`]) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix }));
      out.push(...(listed.Contents ?? []).map((o) => [o.Key, o.Size, o.ETag]));
    }
  }
  return JSON.stringify(out);
}

/** The facility the path names, when it is a valid facility id. */
function pathFacility(req: FuzzRequest): string | null {
  const f = req.params.facilityId;
  return f && isFacilityId(f) ? f : null;
}

async function check(def: RouteDef, req: FuzzRequest): Promise<void> {
  // Only what writes is snapshotted (GETs read; a poll keeps its watermark under the key, not
  // the facility): the facility the path names, whose partition holds every item the hub keeps
  // for it (store/keys.ts). A path without a valid facility id cannot name a partition at all.
  const facility = pathFacility(req);
  const writesBucket = def.access?.bucket === 'write' || def.access?.bucket === 'readWrite';
  const before = req.method === 'GET' || facility === null ? null : await snapshot(facility, writesBucket);
  const reply = await send(req);
  const statuses = seen.get(`${def.method} ${def.path}`)!;
  statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
  const said = `${reply.status} ${reply.contentType} ${reply.text.slice(0, 500)}`;

  assert.ok(reply.status < 500, `a 5xx: ${said}`);
  if (!covered(def, req)) assert.ok(reply.status >= 400, `answered without a key that covers the route: ${said}`);
  if (reply.status >= 400) {
    assert.equal(reply.contentType, 'application/problem+json', said);
    const problem = JSON.parse(reply.text) as { type?: unknown; status?: unknown };
    assert.ok(typeof problem.type === 'string' && problem.type.startsWith('urn:mixticket:problem:'), said);
    assert.equal(problem.status, reply.status, said);
    if (before !== null)
      assert.equal(await snapshot(facility!, writesBucket), before, `a rejected request changed what is stored: ${said}`);
  }
}

describe(`fuzz every route of the route table (seed ${SEED})`, () => {
  for (const def of ROUTES) {
    test(`${def.method} ${def.path}`, async () => {
      seen.set(`${def.method} ${def.path}`, new Map());
      await fc.assert(
        fc.asyncProperty(requestFor(def), (req) => check(def, req)),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, interruptAfterTimeLimit: routeBudgetMs(def), markInterruptAsFailure: false },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Hostile values (issue 24, Deliver 8): numbers at and beyond every documented bound
// (functions/domain/numbers.ts), leap seconds and extreme dates on every date-time field of
// every document kind and every date-time query parameter, and huge ranges on every report.
// A list of requests made from the seed (FUZZ_SEED), at least FUZZ_HOSTILE of them (default
// 2,000), sent 8 at a time: never a 5xx, every error problem+json. A 503 with Retry-After (the
// hub out of time on a loaded machine) is sent again, as a client would, up to 3 times: one that
// stays a 503 is input the hub cannot handle in time (as the 10,000-year report was) and fails.

const HOSTILE_REQUESTS = Math.max(2000, Number(process.env.FUZZ_HOSTILE ?? 2000));
const HOSTILE_CONCURRENCY = 8;

/** Raw JSON number text: each documented bound, just past it, and what JSON can spell beyond a double. */
const HOSTILE_NUMBERS = [
  '1e15', // the largest quantity
  '-1e15',
  '1000000000000001', // past it, 16 digits
  '1e16',
  '999999999999999', // 15 significant digits
  '9999999999999999', // 16
  '123456789.123456', // 15
  '123456789.123456789', // more than a double keeps
  '0.000001', // 6 decimal places
  '0.0000001', // 7
  '1e-12', // a coordinate's 12 places
  '1e-13',
  '1e125',
  '1e126', // DynamoDB's range
  '-1e126',
  '1e-130',
  '1e-131',
  '1e300',
  '-1e300',
  '5e-324',
  '-5e-324',
  '1.7976931348623157e308',
  '1e400', // not a double at all
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '0',
  '90.000000000001', // just past a latitude
  '-180.000000000001',
  '100.000001', // just past a percentage
  '1E2',
];
/** Those every number field gets, the rest drawn at random. */
const CORE_NUMBERS = ['1e15', '1e16', '1e126', '1e-131', '-1e300', '5e-324', '0.0000001', '1e400'];

/** Date-times at and past the edges the hub reads (functions/domain/time.ts: readDateTime). */
const HOSTILE_DATES = [
  '2016-12-31T23:59:60Z', // a leap second
  '2016-12-31T18:59:60-05:00',
  '2016-12-31T23:59:60.999Z',
  '2026-06-30T23:59:60Z',
  '2026-06-30T12:59:60Z', // :60 where UTC is not 23:59
  '9999-12-31T23:59:60Z', // the leap second after the last instant
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00', // before year 1
  '0001-01-01T00:00:00-14:00',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999-00:01', // after 9999
  '9999-12-31T23:00:00+14:00',
  '10000-01-01T00:00:00Z',
  '+010000-01-01T00:00:00.000Z',
  '0000-01-01T00:00:00Z', // year 0
  '-000001-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2024-02-29T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T23:59:61Z',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T00:00:00-14:00',
  '2026-01-01T00:00:00+14:01', // beyond ±14:00
  '2026-01-01T00:00:00-15:00',
  '2026-01-01T00:00:00+23:59',
  '2026-01-01T00:00:00-24:00',
  '2026-01-01T00:00:00.123456789Z',
  '2026-01-01T00:00:00', // zone-less (no zone on these keys)
  '2026-01-01',
  '1969-12-31T23:59:59.999Z',
  '2038-01-19T03:14:08Z',
  '2026-01-01t00:00:00z',
  '2026-01-01 00:00:00Z',
];
/** Those every date-time field gets, the rest drawn at random. */
const CORE_DATES = [
  '2016-12-31T23:59:60Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '10000-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:00+14:01',
  '0001-01-01T00:00:00-14:00',
];

/** Report zones: quarter-hour and far-east/west offsets, links and legacy names, and local mean time before 1972. */
const REPORT_ZONES = [
  'UTC',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Etc/GMT+12',
  'Asia/Kathmandu',
  'Africa/Monrovia',
  'EST5EDT',
  'US/Eastern',
];
/** Report ranges: the 10,000-year one, each grouping's limit and a day past it, the first and last days reports cover, and past them. */
const REPORT_RANGES: [string, string][] = [
  ['0001-01-01', '9999-12-31'],
  ['0001-01-01T00:00:00Z', '9999-12-31T23:45:00Z'],
  ['2000-01-01', '9999-01-01'],
  ['1999-12-31', '2000-01-02'],
  ['2000-01-01', '2000-01-02'],
  ['9998-12-31', '9999-01-01'],
  ['9998-12-30', '9999-12-31'],
  ['2024-01-01', '2025-01-02'], // 367 days
  ['2024-01-01', '2025-01-03'],
  ['2016-01-01', '2026-01-08'], // 3,660 days
  ['2016-01-01', '2026-01-09'],
  ['2016-12-31T23:59:60Z', '2017-01-02'],
  ['1971-06-01', '1972-06-01'],
  ['2026-01-02', '2026-01-01'],
];

interface Hostile {
  label: string;
  method: string;
  key: Key;
  url: string;
  body?: string;
}

/** A small seeded generator (mulberry32): the same seed, the same requests. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DATE_TIME_LIKE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;

/** The leaf paths of a document holding numbers and date-times: its number and date-time fields. */
function fieldsOf(doc: unknown): { numbers: Path[]; dates: Path[] } {
  const numbers: Path[] = [];
  const dates: Path[] = [];
  for (const p of paths(doc)) {
    const v = p.reduce<any>((x, k) => x?.[k], doc);
    if (typeof v === 'number') numbers.push(p);
    else if (typeof v === 'string' && DATE_TIME_LIKE.test(v)) dates.push(p);
  }
  return { numbers, dates };
}

const SENTINEL = '@@hostile@@';

/** The document with one field set: a date-time as text, a number as raw JSON text (which may be no double). */
function withValue(doc: unknown, path: Path, value: { date: string } | { number: string }): string {
  const copy = structuredClone(doc) as any;
  const parent = path.slice(0, -1).reduce<any>((x, k) => x[k], copy);
  parent[path.at(-1)!] = 'date' in value ? value.date : SENTINEL;
  const text = JSON.stringify(copy);
  return 'number' in value ? text.replace(`"${SENTINEL}"`, value.number) : text;
}

/** Gives a document an identity of its own, so that a hostile value creates a document instead of changing a seed. */
function fresh(envelope: string, doc: any, legacy: boolean, n: number): any {
  const copy = structuredClone(doc);
  const seeds = (SEEDS as Record<string, Seeds>)[envelope]!;
  const number = `FZH-${n}`;
  if (seeds.identity) {
    const id = copy[legacy ? seeds.identity.charAt(0).toUpperCase() + seeds.identity.slice(1) : seeds.identity];
    if (id && typeof id === 'object') id[legacy ? 'Number' : 'number'] = number;
  }
  if ('receiptId' in copy) copy.receiptId = number;
  if ('countId' in copy) copy.countId = number;
  return copy;
}

/** The documents of each body route: the route, its envelope, and every (form, document) with its fields. */
function bodyTargets(): { def: RouteDef; envelope: string; legacy: boolean; doc: unknown; fields: ReturnType<typeof fieldsOf> }[] {
  const out: ReturnType<typeof bodyTargets> = [];
  for (const def of ROUTES.filter(hasBody)) {
    for (const [envelope, seeds] of Object.entries(SEEDS) as [string, Seeds][]) {
      if (envelope === '' || !seeds.path.test(def.path)) continue;
      for (const legacy of [false, true]) {
        if (legacy && seeds.legacy === seeds.canonical) continue;
        for (const doc of legacy ? seeds.legacy : seeds.canonical) out.push({ def, envelope, legacy, doc, fields: fieldsOf(doc) });
      }
    }
  }
  return out;
}

const keyFor = (def: RouteDef, pick: number, names = ['erp', 'erp legacy', 'pcs']): Key => {
  const mine = keys.filter((k) => names.includes(k.name) && k.role && (def.roles as readonly string[]).includes(k.role));
  return mine[pick % mine.length]!;
};

/** Every hostile request of a run: the systematic ones, then random ones up to HOSTILE_REQUESTS. */
function hostileRequests(subscriptionId: string): { writes: Hostile[]; reads: Hostile[] } {
  const rnd = random(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const f = HELD[1]!;
  const at = (def: RouteDef, number: string) =>
    def.path
      .replace('{facilityId}', f)
      .replace('{workOrderNumber}', number)
      .replace('{workRecordNumber}', number)
      .replace('{subscriptionId}', subscriptionId)
      .replace('{purchaseOrderNumber}', 'PO-1')
      .replace('{documentId}', known.documentId?.[0] ?? 'x');
  let n = 0;
  const targets = bodyTargets();
  const write = (target: (typeof targets)[number], path: Path, value: { date: string } | { number: string }): Hostile => {
    const id = ++n;
    const doc = fresh(target.envelope, target.doc, target.legacy, id);
    const single = 'single' in (SEEDS as Record<string, Seeds>)[target.envelope]!;
    const text = withValue(doc, path, value);
    return {
      label: `${target.def.method} ${target.def.path} ${target.legacy ? 'legacy ' : ''}${path.join('/')} = ${'date' in value ? value.date : value.number}`,
      method: target.def.method,
      key: keyFor(target.def, id, ['erp', 'pcs']),
      url: at(target.def, `FZH-${id}`),
      body: single ? text : `{"${target.envelope}":[${text}]}`,
    };
  };
  const writes: Hostile[] = [];
  // Every number field of every document kind gets each core number, every date-time field each
  // core date: once per route, form and field (a field repeated in arrays, or in several
  // fixtures, is one field: its path with the array positions left out).
  const done = new Set<string>();
  const firstTime = (target: (typeof targets)[number], path: Path) => {
    const id = `${target.def.method} ${target.def.path} ${target.legacy} ${path.filter((k) => typeof k === 'string').join('/')}`;
    if (done.has(id)) return false;
    done.add(id);
    return true;
  };
  for (const target of targets) {
    for (const path of target.fields.numbers.filter((p) => firstTime(target, p)))
      for (const number of CORE_NUMBERS) writes.push(write(target, path, { number }));
    for (const path of target.fields.dates.filter((p) => firstTime(target, p)))
      for (const date of CORE_DATES) writes.push(write(target, path, { date }));
  }
  const systematic = writes.length;
  // The replay's since.
  const replay = ROUTES.find((r) => r.path.endsWith('/replay'))!;
  for (const since of HOSTILE_DATES)
    writes.push({
      label: `replay since ${since}`,
      method: 'POST',
      key: keyFor(replay, 0),
      url: at(replay, ''),
      body: JSON.stringify({ since }),
    });

  const reads: Hostile[] = [];
  const get = (def: RouteDef, query: string, keyPick = 0, number = 'WO-260316-0042'): Hostile => ({
    label: `GET ${def.path}?${query}`,
    method: 'GET',
    key: keyFor(def, keyPick),
    url: `${at(def, number)}${query ? `?${query}` : ''}`,
  });
  const q = encodeURIComponent;
  // Every date-time query parameter, every hostile date.
  for (const def of ROUTES.filter((r) => r.method === 'GET')) {
    const params = ((def as { query?: readonly string[] }).query ?? []).filter((p) =>
      ['lastExecutionDateTime', 'createdFrom', 'createdTo', 'modifiedFrom', 'modifiedTo', 'from', 'to'].includes(p),
    );
    for (const param of params) {
      for (const [i, date] of HOSTILE_DATES.entries()) {
        const other = param === 'from' ? `&to=2026-02-01` : param === 'to' ? `&from=2026-01-01` : '';
        reads.push(get(def, `${param}=${q(date)}${other}`, i));
      }
    }
  }
  // Huge ranges on every report: consumption by every grouping in odd zones, summaries over every year.
  const consumption = ROUTES.find((r) => r.path.endsWith('/consumption'))!;
  for (const [from, to] of REPORT_RANGES)
    for (const groupBy of ['product', 'day', 'order'])
      for (const tz of REPORT_ZONES) reads.push(get(consumption, `from=${q(from)}&to=${q(to)}&groupBy=${groupBy}&tz=${q(tz)}`));
  const summaries = ROUTES.find((r) => r.path.endsWith('/workOrderSummaries'))!;
  for (const [a, b] of [
    ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:59:59.999Z', '0001-01-01T00:00:00Z'],
    ['2016-12-31T23:59:60Z', '9999-12-31T23:59:60Z'],
  ])
    for (const which of ['created', 'modified'])
      for (const limit of ['1', '1000']) reads.push(get(summaries, `${which}From=${q(a!)}&${which}To=${q(b!)}&limit=${limit}`));
  // What the hostile writes stored, served back in both forms: polls from the beginning, order views.
  for (const def of ROUTES.filter(
    (r) => r.method === 'GET' && ((r as { query?: readonly string[] }).query ?? []).includes('lastExecutionDateTime'),
  ))
    for (let k = 0; k < 3; k++) for (const since of ['', 'lastExecutionDateTime=0001-01-01T00:00:00Z']) reads.push(get(def, since, k));
  const stock = ROUTES.find((r) => r.path.endsWith('/stock'))!;
  reads.push(get(stock, ''), get(stock, 'include=movements'), get(stock, 'component=P-DAP&include=movements'));

  // Random ones up to the count: a value from the whole list on a random field, sometimes two at once.
  while (writes.length + reads.length < HOSTILE_REQUESTS) {
    const target = pick(targets);
    const all = [...target.fields.numbers.map((p) => ['n', p] as const), ...target.fields.dates.map((p) => ['d', p] as const)];
    if (all.length === 0) continue;
    const [kind, path] = pick(all);
    writes.push(write(target, path, kind === 'n' ? { number: pick(HOSTILE_NUMBERS) } : { date: pick(HOSTILE_DATES) }));
  }
  console.log(`hostile values: ${systematic} systematic writes, ${writes.length - systematic} random ones, ${reads.length} reads`);
  return { writes, reads };
}

/** Sends requests `limit` at a time; each answer checked as it comes. */
async function inParallel(requests: readonly Hostile[], limit: number, each: (h: Hostile) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < requests.length) await each(requests[next++]!);
    }),
  );
}

const hostileAgent = new Agent({ keepAlive: true, maxSockets: HOSTILE_CONCURRENCY });

function sendHostile(h: Hostile): Promise<{ status: number; contentType?: string; retryAfter?: string; text: string }> {
  const { hostname, port } = new URL(stack.baseUrl);
  const headers: Record<string, string> = h.key.key === undefined ? {} : { 'x-api-key': h.key.key };
  const body = h.body === undefined ? undefined : Buffer.from(h.body);
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const r = request({ hostname, port, method: h.method, path: h.url, headers, agent: hostileAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          retryAfter: res.headers['retry-after'],
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe(`hostile values on every field, parameter and report (seed ${SEED}, FUZZ_SEED overrides)`, () => {
  test(`at least ${HOSTILE_REQUESTS} requests, 8 at a time: never a 5xx, every error problem+json`, async () => {
    const erpKey = keys.find((k) => k.name === 'erp')!;
    const sub = await client(stack.baseUrl, erpKey.key).post(`/facility/${HELD[1]}/subscriptions`, {
      url: 'http://127.0.0.1:9/hostile',
      events: 'dispensingWorkOrder',
    });
    assert.equal(sub.status, 201, sub.text);
    const { writes, reads } = hostileRequests(sub.body.subscriptionId as string);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const each = async (h: Hostile) => {
      let reply = await sendHostile(h);
      for (let again = 0; again < 3 && reply.status === 503; again++) {
        const after = Number(reply.retryAfter) || 1;
        await new Promise((r) => setTimeout(r, Math.min(after, 5) * 1000));
        reply = await sendHostile(h);
      }
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      const said = `${h.label}: ${reply.status} ${reply.contentType} ${reply.text.slice(0, 300)}`;
      if (reply.status >= 500) failures.push(`a 5xx: ${said}`);
      else if (reply.status >= 400) {
        let problem: { type?: unknown; status?: unknown } = {};
        try {
          problem = JSON.parse(reply.text);
        } catch {}
        if (reply.contentType !== 'application/problem+json' || problem.status !== reply.status || typeof problem.type !== 'string')
          failures.push(`not problem+json: ${said}`);
      }
    };
    // Writes first, then the reads that serve back what they stored.
    await inParallel(writes, HOSTILE_CONCURRENCY, each);
    await settled(stack);
    await inParallel(reads, HOSTILE_CONCURRENCY, each);
    const total = writes.length + reads.length;
    console.log(`hostile values, seed ${SEED} (FUZZ_SEED=${SEED} replays it): ${total} requests ${histogram(statuses)}`);
    assert.ok(total >= HOSTILE_REQUESTS);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures (FUZZ_SEED=${SEED})`);
  }, 300_000);
});

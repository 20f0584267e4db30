/**
 * Build step (`npm run build`): compiles schemas/ into functions/generated/
 *  - validators.cjs  ajv standalone validators (no schema compilation at cold start)
 *  - validators.d.cts their types
 *  - params.cjs      the validator of each path and query parameter (functions/route-params.ts), by name
 *  - documents.ts    TypeScript types of every validated schema (documents and request bodies);
 *                    each validator is declared as a type guard of its schema's type
 *  - openapi.json    the OpenAPI 3.1 document: schemas/ and the route table (scripts/build-openapi.ts)
 *  - console-page.json  the operator console served at /console, likewise (scripts/build-console-page.ts)
 *  - docs-page.json  the page served at /docs, as {"html": ..., "hashes": its inline script and style} (scripts/build-docs-page.ts)
 * and, from openapi.json, the typed client's clients/typescript/src/generated/api.ts.
 * The schemas are the single source of truth; the generated folder is not committed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { _, type KeywordCxt, str } from 'ajv';
import { _Code } from 'ajv/dist/compile/codegen/code.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormats from 'ajv-formats';
import { compile } from 'json-schema-to-typescript';
import { generateClient } from '../clients/typescript/scripts/generate.ts';
import { isExactDecimal, MAX_SIGNIFICANT_DIGITS } from '../functions/domain/numbers.ts';
import { DOCUMENT_YEARS_FROM_CLOCK, isNearYear, readDateTime } from '../functions/domain/time.ts';
import { PATH_PARAMS, QUERY_PARAMS, ROUTES } from '../functions/routes.ts';
import { consolePage } from './build-console-page.ts';
import { buildDocsPage, inlineHashes } from './build-docs-page.ts';
import { buildOpenApi } from './build-openapi.ts';
import { STAMP_FILE, sourcesHash } from './ensure-generated.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const outDir = join(root, 'functions', 'generated');
const ID = 'https://mixticket.dev/schemas/';

/** Exported validator name → schema file. */
export const VALIDATORS = {
  validateWorkOrderRequest: 'dispensing-work-order-request.schema.json',
  validateWorkRecordRequest: 'dispensing-work-record-request.schema.json',
  validateAcknowledgementRequest: 'acknowledge-work-order-receipt-request.schema.json',
  validateWorkOrder: 'dispensing-work-order.schema.json',
  validateWorkRecord: 'dispensing-work-record.schema.json',
  validateAcknowledgement: 'acknowledge-work-order-receipt.schema.json',
  validateDocumentUploadRequest: 'document-upload-request.schema.json',
  validateComponentsRequest: 'components-request.schema.json',
  validateRecipesRequest: 'recipes-request.schema.json',
  validatePurchaseOrdersRequest: 'purchase-orders-request.schema.json',
  validateReceiptsRequest: 'receipts-request.schema.json',
  validateStockCountsRequest: 'stock-counts-request.schema.json',
  validateCustomersFile: 'customers-file.schema.json',
  validateSubscriptionRequest: 'webhook-subscription-request.schema.json',
  validateReplayRequest: 'webhook-replay-request.schema.json',
  validateVoidWorkRecordRequest: 'void-work-record-request.schema.json',
} as const;

const schemas = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => JSON.parse(readFileSync(join(schemaDir, f), 'utf8')) as { $id: string; title: string });

/** The TypeScript type of a schema file: its title (json-schema-to-typescript names it so). */
const typeName = (file: string): string => {
  const title = schemas.find((s) => s.$id === ID + file)?.title;
  if (!title || !/^[A-Z]\w*$/.test(title)) throw new Error(`${file} needs a PascalCase title: it names the schema's type`);
  return title;
};
const TYPES = [...new Set(Object.values(VALIDATORS))];
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * Every `format: date-time` is also read by the hub's one date-time reader (domain/time.ts
 * readDateTime): the same rule as the query parameters', enforced here with a 400 naming the
 * field, and a leap second rewritten to the next second in the document before anything uses it.
 */
const withDateTimeReader = (node: unknown, inRequest: boolean): void => {
  if (Array.isArray(node)) for (const item of node) withDateTimeReader(item, inRequest);
  else if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    if (n.format === 'date-time') {
      n['x-dateTime'] = true;
      // What a client sends: a year of another calendar (a Buddhist-era 2567) is refused, never stored.
      if (inRequest) n['x-nearYears'] = DOCUMENT_YEARS_FROM_CLOCK;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'enum' && k !== 'const') withDateTimeReader(v, inRequest);
  }
};
// Answers (the hub's own times, a client's poll time echoed) are described, not checked against the clock.
for (const schema of schemas) withDateTimeReader(schema, !schema.$id.endsWith('-responses.schema.json'));

/** A domain function embedded by its source (self-contained by contract), so the standalone validators need no import. */
const embedded = (cxt: KeywordCxt, fn: (...args: never[]) => unknown) =>
  cxt.gen.scopeValue('func', { ref: fn, code: new _Code(`(${fn.toString()})`) });

const ajv = new Ajv.default({
  schemas,
  strict: true,
  strictRequired: true,
  allErrors: true,
  code: { source: true, esm: false, optimize: true },
});
addFormats.default(ajv, ['date-time', 'date', 'time']);
// The number domain (domain/numbers.ts, docs/api.md "Numbers"): significant digits and decimal places of the shortest text.
ajv.addKeyword({
  keyword: 'x-decimalPlaces',
  type: 'number',
  schemaType: 'number',
  error: {
    message: ({ schema }) =>
      `must be a decimal number of at most ${MAX_SIGNIFICANT_DIGITS} significant digits and ${schema as number} decimal places`,
  },
  code(cxt) {
    cxt.fail(_`!${embedded(cxt, isExactDecimal)}(${cxt.data}, ${cxt.schema as number})`);
  },
});
ajv.addKeyword({
  keyword: 'x-dateTime',
  type: 'string',
  schemaType: 'boolean',
  modifying: true,
  error: { message: 'must be a date-time with a zone between the years 0001 and 9999 (a leap second only at 23:59:60 UTC)' },
  code(cxt) {
    const { gen, data, it } = cxt;
    const read = gen.const('dateTime', _`${embedded(cxt, readDateTime)}(${data})`);
    gen.if(_`${read} === null`);
    cxt.error();
    // A leap second: the document keeps the next second (no :60 is stored or served). A
    // validator's own root has no parent (undefined): date-times are never a whole body.
    gen.elseIf(_`${read}.text !== ${data} && ${it.parentData} !== undefined`);
    gen.assign(_`${it.parentData}[${it.parentDataProperty}]`, _`${read}.text`);
    gen.endIf();
  },
});

ajv.addKeyword({
  keyword: 'x-nearYears',
  type: 'string',
  schemaType: 'number',
  error: {
    message: ({ schema }) =>
      str`must have a year within ${schema as number} years of the hub's clock, in the Gregorian calendar (not, say, a Buddhist-era year)`,
  },
  code(cxt) {
    cxt.fail(_`!${embedded(cxt, isNearYear)}(${cxt.data}, ${cxt.schema as number})`);
  },
});

const refs = Object.fromEntries(Object.entries(VALIDATORS).map(([name, file]) => [name, ID + file]));
const BANNER = '// Generated by scripts/build-schemas.ts from schemas/. Do not edit.\n';
const declaration = (names: (keyof typeof VALIDATORS)[], documents: string) => {
  const types = names.map((n) => typeName(VALIDATORS[n]));
  return (
    `${BANNER}import type { ErrorObject } from 'ajv';\n` +
    `import type { ${[...new Set(types)].join(', ')} } from '${documents}';\n` +
    `interface CompiledValidator<T> { (data: unknown): data is T; errors?: ErrorObject[] | null }\n` +
    names.map((n, i) => `export declare const ${n}: CompiledValidator<${types[i]}>;\n`).join('')
  );
};
const names = Object.keys(VALIDATORS) as (keyof typeof VALIDATORS)[];

mkdirSync(join(outDir, 'validators'), { recursive: true });
// All validators in one module (tests and tools) ...
writeFileSync(join(outDir, 'validators.cjs'), BANNER + standaloneCode.default(ajv, refs));
writeFileSync(join(outDir, 'validators.d.cts'), declaration(names, './documents.ts'));
// ... and one module per validator, so that each function bundles only the one it uses.
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
for (const name of names) {
  writeFileSync(join(outDir, 'validators', `${kebab(name)}.cjs`), BANNER + standaloneCode.default(ajv, { [name]: refs[name] }));
  writeFileSync(join(outDir, 'validators', `${kebab(name)}.d.cts`), declaration([name], '../documents.ts'));
}

// One validator per path or query parameter name (functions/route-params.ts): the middleware runs
// those of the route's own parameters (its path template's and its `query`), so the module every
// handler loads holds each parameter's code once, not every route's. Refs stay references
// (inlineRefs: false): the agency code list is compiled once.
const paramAjv = new Ajv.default({
  schemas,
  strict: true,
  allErrors: false,
  inlineRefs: false,
  code: { source: true, esm: false, optimize: true },
});
const PARAMS_ID = 'https://mixticket.dev/params/';
const paramRefs: Record<string, string> = {};
for (const [name, schema] of Object.entries({ ...PATH_PARAMS, ...QUERY_PARAMS })) {
  paramAjv.addSchema(schema, `${PARAMS_ID}${name}`);
  paramRefs[name] = `${PARAMS_ID}${name}`;
}
// Every parameter a route names has a schema (a route naming another fails the build here).
for (const route of ROUTES) {
  const names = [...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!), ...('query' in route ? route.query : [])];
  for (const name of names) if (!paramRefs[name]) throw new Error(`route ${route.id} names parameter ${name}, which has no schema`);
}
writeFileSync(
  join(outDir, 'params.cjs'),
  `${BANNER}${standaloneCode.default(paramAjv, paramRefs)}\nexports.byName = { ${Object.keys(paramRefs)
    .map((name) => `${name}: exports.${name}`)
    .join(', ')} };\n`,
);
writeFileSync(
  join(outDir, 'params.d.cts'),
  `${BANNER}import type { ErrorObject } from 'ajv';\n` +
    `interface ParamValidator { (data: unknown): boolean; errors?: ErrorObject[] | null }\n` +
    '/** The validator of each path and query parameter, by name. */\n' +
    'export declare const byName: { readonly [name: string]: ParamValidator | undefined };\n',
);

const resolveLocal = {
  order: 1,
  canRead: /^https:\/\/mixticket\.dev\/schemas\//,
  read: (file: { url: string }) => readFileSync(join(schemaDir, file.url.slice(ID.length)), 'utf8'),
};
let types = '// Generated by scripts/build-schemas.ts from schemas/. Do not edit.\n';
const seen = new Set<string>();
for (const file of TYPES) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  const ts = await compile(schema, typeName(file), {
    bannerComment: '',
    cwd: schemaDir,
    declareExternallyReferenced: true,
    ignoreMinAndMaxItems: true,
    additionalProperties: false,
    format: false,
    $refOptions: { resolve: { local: resolveLocal } } as never,
  });
  // Shared definitions appear in every document's output: keep the first of each.
  for (const block of ts.split(/\n(?=export )/)) {
    const name = /^export (?:type|interface) (\w+)/.exec(block.trim())?.[1];
    if (name && seen.has(name)) continue;
    if (name) seen.add(name);
    types += `${block.trim()}\n`;
  }
}
writeFileSync(join(outDir, 'documents.ts'), types);
const openapi = buildOpenApi(version) as unknown as Parameters<typeof buildDocsPage>[0];
writeFileSync(join(outDir, 'openapi.json'), `${JSON.stringify(openapi, null, 2)}\n`);
// JSON, not .html: the handler imports it as a module, locally and in the Lambda bundle alike.
const docsPage = buildDocsPage(openapi);
writeFileSync(join(outDir, 'docs-page.json'), JSON.stringify({ html: docsPage, hashes: inlineHashes(docsPage) }));
// The operator console (GET /console): its plain modules bundled by esbuild into one page.
writeFileSync(join(outDir, 'console-page.json'), JSON.stringify(consolePage(root)));
// The typed client (clients/typescript) is generated from the document it describes.
await generateClient(openapi as never);
// Last: marks the folder as built from exactly these sources (scripts/ensure-generated.ts).
writeFileSync(STAMP_FILE, `${sourcesHash()}\n`);
console.log(
  `schemas: ${schemas.length} compiled into ${Object.keys(VALIDATORS).length} validators and ${seen.size} types; openapi.json ${version} with ${Object.keys((openapi as unknown as { paths: object }).paths).length} paths`,
);

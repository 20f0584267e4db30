/**
 * The OpenAPI 3.1 document (`functions/generated/openapi.json`), built by `npm run build` from
 * the same sources as the handlers: the JSON Schemas in schemas/ become its components, the
 * route table (functions/routes.ts) its paths and parameters, functions/route-docs.ts their prose, shared/problem.ts its problem answers, and the
 * older document form's schemas are derived from ours with the tables of domain/legacy-codes.ts.
 * A route added to the table appears by itself; one naming a schema or parameter that does
 * not exist fails the build. Examples come from test/fixtures/ and are checked against their
 * schemas here, so an example cannot drift either.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { CAMEL_SUBTREES, COUNTRY_ALPHA2, DROPPED_ON_INPUT, RENAMES, WRAPPED_IDENTIFIERS } from '../functions/domain/legacy-codes.ts';
import { type IntegerParamSchema, PARAM_DOCS, type ParamDoc, ROUTE_DOCS, type RouteDoc, TAG_DOCS } from '../functions/route-docs.ts';
import { PATH_PARAMS, type ParamSchema, QUERY_PARAMS, ROUTES, type RouteDef } from '../functions/routes.ts';
import { PROBLEM_KINDS, problemType } from '../functions/shared/problem.ts';

type Json = Record<string, unknown>;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const fixtureDir = join(root, 'test', 'fixtures');
/** Schemas that are not part of the HTTP API. */
const NOT_API = new Set(['customers-file.schema.json']);
const REF = '#/components/schemas/';

interface Loaded {
  file: string;
  schema: Json & { title?: string; definitions?: Record<string, Json> };
}

/** Every schema component: name → schema with $refs rewritten to components. */
function schemaComponents(): { components: Record<string, Json>; nameOf: (file: string, def?: string) => string; files: Loaded[] } {
  const files: Loaded[] = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.schema.json') && !NOT_API.has(f))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) }));
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const name = (key: string, title: string | undefined, fallback: string) => {
    const n = title ?? fallback.charAt(0).toUpperCase() + fallback.slice(1);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(n)) throw new Error(`openapi: ${key} needs a PascalCase title`);
    if (taken.has(n)) throw new Error(`openapi: two schemas are called ${n}`);
    taken.add(n);
    names.set(key, n);
  };
  for (const { file, schema } of files) {
    // A file that only holds definitions (hub-responses) is no component of its own.
    if (schema.type !== undefined || schema.properties !== undefined) name(file, schema.title, file);
    for (const [def, node] of Object.entries(schema.definitions ?? {})) name(`${file}#${def}`, node.title as string | undefined, def);
  }
  const nameOf = (file: string, def?: string) => {
    const n = names.get(def === undefined ? file : `${file}#${def}`);
    if (!n) throw new Error(`openapi: no schema ${file}${def ? `#/definitions/${def}` : ''}`);
    return n;
  };
  const rewrite = (node: unknown, file: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, file));
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$schema' || k === '$id' || k === 'definitions') continue;
      if (k === 'items' && Array.isArray(v)) throw new Error(`openapi: tuple items in ${file} need prefixItems in 3.1`);
      if (k === '$ref' && typeof v === 'string') {
        const m = /^([a-z0-9-]+\.schema\.json)?(?:#\/definitions\/(\w+))?$/.exec(v);
        if (!m || (!m[1] && !m[2])) throw new Error(`openapi: unsupported $ref ${v} in ${file}`);
        out.$ref = REF + nameOf(m[1] ?? file, m[2]);
      } else out[k] = rewrite(v, file);
    }
    return out;
  };
  const components: Record<string, Json> = {};
  for (const { file, schema } of files) {
    if (names.has(file)) components[nameOf(file)] = rewrite(schema, file) as Json;
    for (const [def, node] of Object.entries(schema.definitions ?? {})) components[nameOf(file, def)] = rewrite(node, file) as Json;
  }
  return { components, nameOf, files };
}

/**
 * The older form's schemas (`Legacy<Title>`), derived from ours the way domain/legacy-form.ts
 * reads documents: PascalCase names (RENAMES where the standard differs), code values as the
 * index in the code list or as the .NET name, Sender/Receiver wrapped, alpha-2 or alpha-3
 * countries, JSON booleans, date-times with or without a zone. Names match case-insensitively
 * on input and unknown ones are reported by the canonical check, so the objects are open.
 */
function legacyComponents(files: Loaded[], nameOf: (file: string, def?: string) => string) {
  const out: Record<string, Json> = {};
  const defNode = (file: string, def?: string): Json => {
    const loaded = files.find((f) => f.file === file)!.schema;
    const node = def === undefined ? loaded : loaded.definitions?.[def];
    if (!node) throw new Error(`openapi: no definition ${def} in ${file}`);
    return node;
  };
  const ref = (name: string) => ({ $ref: REF + name });
  const ofRef = (v: string, file: string): Json => {
    const m = /^([a-z0-9-]+\.schema\.json)?(?:#\/definitions\/(\w+))?$/.exec(v)!;
    const target = m[1] ?? file;
    const def = m[2];
    const node = defNode(target, def);
    const canonical = nameOf(target, def);
    if (def === 'dateTime' && target === 'common.schema.json') return ref(legacy('LegacyDateTime', () => LEGACY_DATE_TIME));
    if (Array.isArray(node.enum) && node.type === 'string') {
      const values = node.enum as string[];
      if (def === 'country') {
        return ref(
          legacy(`Legacy${canonical}`, () => ({
            description: `${node.description ?? ''} The older form writes alpha-2 (${Object.values(COUNTRY_ALPHA2).join(', ')}); alpha-3 is read too.`,
            type: 'string',
            enum: [...Object.values(COUNTRY_ALPHA2), ...values],
          })),
        );
      }
      return ref(
        legacy(`Legacy${canonical}`, () => ({
          description: `${node.description ?? canonical}. The older form: the index in this list (${values.map((v, i) => `${i} ${v}`).join(', ')}) or the name (.NET enum names; any case).`,
          anyOf: [
            { type: 'integer', minimum: 0, maximum: values.length - 1 },
            { type: 'string', minLength: 1 },
          ],
        })),
      );
    }
    if (node.type === 'object' || node.type === 'array') return ref(legacy(`Legacy${canonical}`, () => walk(node, target, canonical)));
    return ref(canonical);
  };
  const legacy = (name: string, make: () => Json): string => {
    if (!(name in out)) {
      out[name] = {};
      out[name] = make();
    }
    return name;
  };
  const walk = (node: Json, file: string, defName?: string): Json => {
    if (typeof node.$ref === 'string') return ofRef(node.$ref, file);
    if (node.type === 'array') {
      const { items, ...rest } = node;
      return { ...rest, items: walk(items as Json, file) };
    }
    if (node.type === 'object' && node.properties) {
      const title = (node.title as string | undefined) ?? defName ?? '?';
      const legacyName = (p: string) => RENAMES[`${title}.${p}`] ?? p.charAt(0).toUpperCase() + p.slice(1);
      const properties: Record<string, Json> = {};
      for (const [p, child] of Object.entries(node.properties as Record<string, Json>)) {
        const id = `${title}.${p}`;
        if (WRAPPED_IDENTIFIERS.includes(id)) {
          properties[legacyName(p)] = {
            description:
              'The party as the older form wraps it: its identifiers under Identifier. The canonical form holds the first; ' +
              'the rest of the party (further identifiers, PartyType, Address, Contact, ...) is kept with the document and served back ' +
              "in the older form (the guide's Warnings).",
            type: 'object',
            properties: { Identifier: { type: 'array', items: ofRef('common.schema.json#/definitions/identifier', file) } },
          };
        } else if (CAMEL_SUBTREES.includes(id)) {
          properties[legacyName(p)] = {
            description: "camelCase, as in the standard's samples (the .NET list shape of {Nutrient, Warning} is read too).",
          };
        } else properties[legacyName(p)] = walk(child, file);
      }
      // Members only the older form has (an Address's County and Township): kept with the document, served back.
      for (const extra of DROPPED_ON_INPUT[title] ?? []) {
        properties[extra] = {
          description: `Only the older form has it: not in the canonical document (a warning says so), kept with the document and served back in the older form.`,
          type: 'string',
        };
      }
      const required = ((node.required as string[] | undefined) ?? [])
        // The older form has no orderStatus on records: a record without one is complete.
        .filter((p) => !(title === 'DispensingWorkRecord' && p === 'orderStatus'))
        .map(legacyName);
      return {
        ...(node.description ? { description: `${node.description} (The older form.)` } : {}),
        type: 'object',
        ...(required.length ? { required } : {}),
        properties,
      };
    }
    return JSON.parse(JSON.stringify(node).replaceAll(/"\$ref":"#\/definitions\/(\w+)"/g, (_, d) => `"$ref":"${REF}${nameOf(file, d)}"`));
  };
  for (const { file, schema } of files) {
    if (!schema.title) continue;
    if (/^(DispensingWorkOrder|DispensingWorkRecord|AcknowledgeWorkOrderReceipt)$/.test(schema.title)) {
      legacy(`Legacy${schema.title}`, () => walk(schema, file, schema.title));
    }
  }
  return out;
}

const LEGACY_DATE_TIME: Json = {
  description:
    "A date-time. Served exactly as yyyy-MM-ddTHH:mm:ss.fff±hh:mm (UTC as +00:00); read with any ISO 8601 zone, or without one in the key's --time-zone.",
  type: 'string',
  minLength: 1,
};

/** The header of the routes the route table flags `idempotencyKey` (shared/idempotency.ts). */
const IDEMPOTENCY_KEY_PARAM: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key and request within 24 hours answer the first answer again (with `Idempotent-Replayed: true`) and do nothing twice; the same key with another path or body is a 422; while the first request still runs, a 409. Keys are per API key and route.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]{1,255}$' },
  example: '5f1c3a9e-8d2b-4c8e-9f4a-0b6d7e1a2c3d',
};

/** The gateway's 405 (another method on a path that has routes): any path can answer it, so it is a shared response. */
function methodNotAllowedResponse(): Json {
  return {
    ...problemResponse(405),
    headers: { Allow: { description: 'The methods this path has.', required: true, schema: { type: 'string' } } },
  };
}

/** The problem answer of a status: the problem schema with that status and its type URN. */
function problemResponse(status: number): Json {
  const kind = status === 500 ? { kind: 'internal', title: 'Internal error' } : kindOfStatus(status);
  return {
    description: `${kind.title} (\`${problemType(kind.kind as never)}\`)`,
    ...(status === 429 || status === 503
      ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } } } }
      : {}),
    content: {
      'application/problem+json': {
        schema: {
          allOf: [{ $ref: `${REF}Problem` }],
          properties: { type: { const: problemType(kind.kind as never) }, status: { const: status } },
        },
      },
    },
  };
}

function kindOfStatus(status: number): { kind: string; title: string } {
  const found = Object.entries(PROBLEM_KINDS).find(([, v]) => v.status === status);
  if (!found) throw new Error(`openapi: no problem kind answers ${status}`);
  return { kind: found[0], title: found[1].title };
}

const readFixture = (file: string): unknown => JSON.parse(readFileSync(join(fixtureDir, file), 'utf8'));
const exampleName = (file: string) => file.replace(/\.json$/, '').replaceAll('/', '-');

/** A parameter's schema as the document shows it: $refs into schemas/ become component $refs. */
function documentedSchema(schema: ParamSchema | IntegerParamSchema, nameOf: (file: string, def?: string) => string): Json {
  if (!('$ref' in schema)) return schema as Json;
  const m = /^https:\/\/mixticket\.dev\/schemas\/([a-z0-9-]+\.schema\.json)#\/definitions\/(\w+)$/.exec(schema.$ref);
  if (!m) throw new Error(`openapi: unsupported parameter $ref ${schema.$ref}`);
  return { $ref: REF + nameOf(m[1]!, m[2]) };
}

/** One operation of the route table. */
function operation(
  route: RouteDef,
  doc: RouteDoc | undefined,
  schemas: Record<string, Json>,
  nameOf: (file: string, def?: string) => string,
): Json {
  const api: RouteDoc = doc ?? { summary: route.id, responses: { 200: { description: 'OK', schema: undefined } } };
  const need = (name: string) => {
    if (!(name in schemas)) throw new Error(`openapi: route ${route.id} names schema ${name}, which schemas/ does not define`);
    return { $ref: REF + name };
  };
  const params: Json[] = [];
  for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) {
    const p = (PATH_PARAMS as Record<string, ParamSchema>)[name!];
    if (!p) throw new Error(`openapi: route ${route.id} has path parameter ${name}; define it in PATH_PARAMS`);
    const d: ParamDoc = PARAM_DOCS[name as keyof typeof PATH_PARAMS];
    params.push({
      name,
      in: 'path',
      required: true,
      description: d.description,
      schema: documentedSchema(d.schema ?? p, nameOf),
      example: d.example,
    });
  }
  for (const name of route.query ?? []) {
    const d: ParamDoc = PARAM_DOCS[name];
    params.push({
      name,
      in: 'query',
      required: false,
      description: d.description,
      schema: documentedSchema(d.schema ?? QUERY_PARAMS[name], nameOf),
      ...(d.example !== undefined ? { example: d.example } : {}),
    });
  }
  if (route.idempotencyKey) params.push(IDEMPOTENCY_KEY_PARAM);
  if (api.ifMatch) {
    params.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: api.ifMatch,
      schema: { type: 'string', pattern: '^(\\*|(W/)?"?[1-9][0-9]{0,8}"?)$' },
      example: '"3"',
    });
  }
  const responses: Json = {};
  for (const [status, r] of Object.entries(api.responses)) {
    const headers: Json = {};
    if (r.headers?.includes('link')) {
      headers.Link = {
        description:
          'Present while more changes remain: `<url>; rel="next"`. Follow it at once; a caller that ignores it gets the rest on its next poll.',
        schema: { type: 'string' },
      };
    }
    if (r.headers?.includes('location')) {
      const description = status === '201' ? 'The URL of what was created (relative to the API base URL).' : 'The URL to follow.';
      headers.Location = { description, required: true, schema: { type: 'string' } };
    }
    const content: Json = {};
    if (r.schema) {
      const schema = r.legacy
        ? { anyOf: [need(r.schema), { type: 'array', description: 'format=legacy: the older form, a bare array.', items: need(r.legacy) }] }
        : need(r.schema);
      content[r.mediaType ?? 'application/json'] = { schema };
    } else if (r.mediaType) content[r.mediaType] = { schema: { type: 'string' } };
    if (r.csv) content['text/csv'] = { schema: { type: 'string', description: 'The same rows as CSV (RFC 4180), header row first.' } };
    responses[status] = {
      description: r.description,
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(Object.keys(content).length ? { content } : {}),
    };
  }
  const keyed = route.roles.length > 0;
  const problems = new Set([
    400,
    ...(keyed ? [401, 403] : []),
    ...(api.problems ?? []),
    ...(route.idempotencyKey ? [409, 422] : []),
    500,
    503,
  ]);
  for (const status of [...problems].sort()) responses[status] = problemResponse(status);

  let requestBody: Json | undefined;
  if (route.body) {
    const b = { schema: route.body, ...api.body };
    const schema = b.documents
      ? {
          anyOf: [
            need(b.schema),
            {
              description: "A bare array of documents (the form of the standard's sample files).",
              type: 'array',
              minItems: 1,
              items: need(b.documents.schema),
            },
            {
              description: 'The older form: a bare array of PascalCase documents.',
              type: 'array',
              minItems: 1,
              items: need(`Legacy${b.documents.schema}`),
            },
            {
              description: 'The older form in its envelope.',
              type: 'object',
              required: [b.documents.envelope.charAt(0).toUpperCase() + b.documents.envelope.slice(1)],
              properties: {
                [b.documents.envelope.charAt(0).toUpperCase() + b.documents.envelope.slice(1)]: {
                  type: 'array',
                  items: need(`Legacy${b.documents.schema}`),
                },
              },
            },
          ],
        }
      : b.single
        ? { anyOf: [need(b.schema), { description: 'The older form: one PascalCase document.', ...need(`Legacy${b.schema}`) }] }
        : need(b.schema);
    // A fixture holding one document is sent in the envelope.
    const asBody = (value: unknown) =>
      b.documents && typeof value === 'object' && value !== null && !Array.isArray(value) && !(b.documents.envelope in value)
        ? { [b.documents.envelope]: [value] }
        : value;
    const examples = Object.fromEntries((b.examples ?? []).map((f) => [exampleName(f), { summary: f, value: asBody(readFixture(f)) }]));
    requestBody = {
      required: true,
      content: { 'application/json': { schema, ...(Object.keys(examples).length ? { examples } : {}) } },
    };
  }
  return {
    operationId: route.id,
    summary: api.summary,
    description: [api.description, keyed ? `Roles: ${route.roles.join(', ')}.` : 'Public: no key needed.'].filter(Boolean).join('\n\n'),
    tags: [tagOf(route)],
    security: keyed ? [{ apiKey: [] }] : [],
    'x-roles': [...route.roles],
    ...(params.length ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

function tagOf(route: RouteDef): string {
  const seg = route.path.split('/').filter((s) => s && !s.startsWith('{'));
  if (seg[0] !== 'facility') return 'hub';
  return seg[1] ?? 'facility';
}

/** The tags of the routes in TAG_DOCS's order, with its descriptions (a tag it lacks comes last, undescribed: a unit test fails on it). */
function tagsOf(routes: readonly RouteDef[]): Json[] {
  const used = new Set(routes.map(tagOf));
  const order = Object.keys(TAG_DOCS);
  return [...used]
    .sort((a, b) => (order.indexOf(a) + 1 || Infinity) - (order.indexOf(b) + 1 || Infinity))
    .map((name) => {
      const description = TAG_DOCS[name];
      return description ? { name, description } : { name };
    });
}

/** The OpenAPI 3.1 document of the route table. */
export function buildOpenApi(
  version: string,
  routes: readonly RouteDef[] = ROUTES,
  docs: Readonly<Record<string, RouteDoc>> = ROUTE_DOCS,
): Json {
  const { components, nameOf, files } = schemaComponents();
  Object.assign(components, legacyComponents(files, nameOf));
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, docs[route.id], components, nameOf);
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: 'MixTicket hub',
      version,
      summary: 'AgGateway MixTicket dispensing work orders and work records between ERP systems and process control systems.',
      description:
        "Every route needs `x-api-key` except the public ones. Errors are RFC 9457 problem details (`application/problem+json`) whose `type` is a stable `urn:mixticket:problem:<kind>`. Every answer of a route carries `x-request-id`, and every problem its `instance` (`urn:request:<id>`): quote it to support. Another method on a path that has routes answers 405 with `Allow` (`#/components/responses/MethodNotAllowed`). A 201 carries `Location`. Versions: `info.version` is the hub's version; within a major version the API only gains (routes, optional parameters, answer properties), so clients must ignore properties they do not know.",
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This hub (the host that served this document).' }],
    tags: tagsOf(routes),
    paths,
    components: {
      schemas: components,
      responses: { MethodNotAllowed: methodNotAllowedResponse() },
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'A key from `npm run keys -- create` (role erp, pcs or operator, scoped to facilities).',
        },
      },
    },
  };
  checkExamples(doc);
  return doc;
}

/** Every request example validates against its schema (a fixture that drifted fails the build). */
function checkExamples(doc: Json): void {
  const ajv = new Ajv2020.default({ strict: false, allErrors: false });
  addFormats.default(ajv);
  ajv.addSchema(doc, 'openapi');
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const media = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const json = media?.['application/json'];
      if (!json?.examples) continue;
      const validate = ajv.compile({
        $ref: `openapi#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/requestBody/content/application~1json/schema`,
      });
      for (const [name, ex] of Object.entries(json.examples as Record<string, { value: unknown }>)) {
        if (!validate(ex.value))
          throw new Error(`openapi: example ${name} of ${method} ${path} does not match: ${ajv.errorsText(validate.errors)}`);
      }
    }
  }
}

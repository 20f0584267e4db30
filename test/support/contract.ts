/**
 * The contract check: every answer the integration tests receive from the hub must match the
 * OpenAPI document (functions/generated/openapi.json) for its route, method and status: a
 * documented status, a documented media type, a body valid against that response's schema,
 * the required headers. The test HTTP helpers call `checkResponse` on every answer; a
 * mismatch throws (failing that test) and is written to the tier's contract log, which the
 * integration tier's teardown checks (failing the run even where a test swallowed the error).
 */
import { appendFileSync } from 'node:fs';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import openapi from '../../functions/generated/openapi.json' with { type: 'json' };

/** Where violations are appended (set by test/support/global-stack.ts for the integration tier). */
export const CONTRACT_LOG_ENV = 'MIXTICKET_CONTRACT_LOG';

/** Answers the gateway gives before any route runs (API Gateway too): problem+json, on any path. */
const GATEWAY_STATUSES = new Set([404, 405, 413, 414, 431]);

type Operation = { responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, { required?: boolean }> }> };
interface PathEntry {
  template: string;
  pattern: RegExp;
  methods: Record<string, Operation>;
}

const ajv = new Ajv2020.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(openapi, 'openapi');
const pointer = (...segs: string[]) => segs.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
const validators = new Map<string, ValidateFunction>();
const validatorAt = (ref: string): ValidateFunction => {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: `openapi#${ref}` });
    validators.set(ref, v);
  }
  return v;
};

const PATHS: PathEntry[] = Object.entries(openapi.paths as unknown as Record<string, Record<string, Operation>>).map(
  ([template, methods]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
    methods,
  }),
);

/** How many answers were checked (for the tier's summary). */
export let checkedResponses = 0;

/** Checks one answer; throws (and logs) when it does not conform. `url` is absolute or a path. */
export function checkResponse(method: string, url: string, status: number, headers: Headers, text: string): void {
  checkedResponses++;
  const problems = violations(method.toLowerCase(), new URL(url, 'http://127.0.0.1').pathname, status, headers, text);
  if (problems.length === 0) return;
  const line = `${method} ${url} → ${status}: ${problems.join('; ')}`;
  const log = process.env[CONTRACT_LOG_ENV];
  if (log) appendFileSync(log, `${line}\n`);
  throw new Error(`answer does not conform to openapi.json: ${line}`);
}

function violations(method: string, path: string, status: number, headers: Headers, text: string): string[] {
  const entry = PATHS.find((p) => p.pattern.test(path));
  const op = entry?.methods[method];
  const declared = op?.responses[String(status)];
  const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (!entry || !op || !declared) {
    if (GATEWAY_STATUSES.has(status) || (!entry && status === 400))
      return bodyMatches('/components/schemas/Problem', mediaType, 'application/problem+json', text);
    return [`status ${status} is not documented for ${method.toUpperCase()} ${entry?.template ?? path}`];
  }
  const out: string[] = [];
  for (const [name, h] of Object.entries(declared.headers ?? {}))
    if (h.required && !headers.has(name)) out.push(`header ${name} is missing`);
  const content = declared.content ?? {};
  if (Object.keys(content).length === 0) {
    if (text !== '') out.push('a body where none is documented');
    return out;
  }
  if (!(mediaType in content)) return [...out, `content-type ${mediaType || '(none)'} is not one of ${Object.keys(content).join(', ')}`];
  if (!/json$/.test(mediaType)) return out;
  return [
    ...out,
    ...bodyMatches(
      pointer('paths', entry.template, method, 'responses', String(status), 'content', mediaType, 'schema'),
      mediaType,
      mediaType,
      text,
    ),
  ];
}

function bodyMatches(ref: string, mediaType: string, expected: string, text: string): string[] {
  if (mediaType !== expected) return [`content-type ${mediaType || '(none)'}, documented ${expected}`];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return ['the body is not JSON'];
  }
  const validate = validatorAt(ref);
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} (${e.schemaPath})`);
}

/**
 * The customers file: one entry per customer, one stack per entry, described by
 * schemas/customers-file.schema.json and checked by its compiled validator. Strict on purpose:
 * a misspelt field is an error, never silently ignored, so that a typo cannot deploy
 * something other than what the file says.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { isJsonObject } from '../functions/domain/documents.ts';
import type { Customer, CustomerDomain } from '../functions/generated/documents.ts';
import CUSTOMERS_SCHEMA from '../schemas/customers-file.schema.json' with { type: 'json' };

/** One customer: one stack, one table, one bucket, one HTTP API (types generated from schemas/customers-file.schema.json). */
export type { Customer, CustomerDomain };

/** The file the app reads when neither the `customersFile` context nor MIXTICKET_CUSTOMERS_FILE names one. */
export const DEFAULT_CUSTOMERS_FILE = 'infra/customers.example.json';
/** The environment variable that names another customers file (for cdk, `npm run deploy` and `npm run keys`). */
export const CUSTOMERS_FILE_ENV = 'MIXTICKET_CUSTOMERS_FILE';

/**
 * The customers file to read: the `customersFile` CDK context (`-c customersFile=...`), else
 * MIXTICKET_CUSTOMERS_FILE, else the committed example. Paths are relative to the project root.
 */
export function customersFileFor(context: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof context === 'string' && context !== '') return context;
  const fromEnv = env[CUSTOMERS_FILE_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CUSTOMERS_FILE;
}

/** The retention periods (days) that CloudWatch Logs accepts (from the schema). */
export const LOG_RETENTION_DAYS = CUSTOMERS_SCHEMA.definitions.customer.properties.logRetentionDays.enum;

const CERTIFICATE_ARN = new RegExp(CUSTOMERS_SCHEMA.definitions.domain.properties.certificateArn.pattern);

/** Thrown when the customers file is invalid; `problems` lists every finding, one line each. */
export class CustomersFileError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source?: string) {
    super(`invalid customers file${source ? ` ${source}` : ''}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CustomersFileError';
    this.problems = problems;
  }
}

/** The compiled validator of schemas/customers-file.schema.json, built like every other (scripts/build-schemas.ts). */
function validator(): typeof import('../functions/generated/validators/validate-customers-file.cjs').validateCustomersFile {
  // Loaded on first use, after the CDK app or the CLI has made sure the generated folder is current.
  return createRequire(import.meta.url)('../functions/generated/validators/validate-customers-file.cjs').validateCustomersFile;
}

/** `customers[1] "prairie-feed".poll.pageSize` for `/customers/1/poll/pageSize`: the customer named by its name. */
function where(json: unknown, pointer: string): string {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (tokens.length === 0) return '(file)';
  if (tokens[0] !== 'customers' || tokens.length === 1) return ['(file)', ...tokens].join('.').replace('(file).customers', 'customers');
  const index = Number(tokens[1]);
  const raw = isJsonObject(json) && Array.isArray(json.customers) ? json.customers[index] : undefined;
  const label = isJsonObject(raw) && typeof raw.name === 'string' ? ` "${raw.name}"` : '';
  return [`customers[${index}]${label}`, ...tokens.slice(2)].join('.');
}

/** The schema of the value at `pointer`, found by walking the schema along the instance path. */
function schemaAt(pointer: string): Record<string, unknown> {
  const resolve = (node: Record<string, unknown>): Record<string, unknown> => {
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    const name = ref.replace('#/definitions/', '') as keyof typeof CUSTOMERS_SCHEMA.definitions;
    return CUSTOMERS_SCHEMA.definitions[name] as Record<string, unknown>;
  };
  let node = CUSTOMERS_SCHEMA as Record<string, unknown>;
  for (const token of pointer.split('/').slice(1)) {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    node = resolve((node.type === 'array' ? node.items : properties?.[token]) as Record<string, unknown>);
  }
  return node;
}

/** One line per schema error, in the words of the field's description. */
function describe(json: unknown, e: ErrorObject): { path: string; line: string } {
  const at = where(json, e.instancePath);
  const node = schemaAt(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const got = `got ${JSON.stringify(valueAt(json, e.instancePath))}`;
  if (e.keyword === 'additionalProperties') {
    const allowed = Object.keys((node.properties as object | undefined) ?? {});
    return {
      path: `${e.instancePath}/${params.additionalProperty}`,
      line: `${at}.${params.additionalProperty}: unknown field (allowed: ${allowed.join(', ')})`,
    };
  }
  if (e.keyword === 'required')
    return { path: `${e.instancePath}/${params.missingProperty}`, line: `${at}.${params.missingProperty}: is required` };
  if (e.keyword === 'enum')
    return {
      path: e.instancePath,
      line: `${at}: must be one of ${(node.enum as unknown[]).join(', ')} (the values CloudWatch Logs accepts), ${got}`,
    };
  if (node.type === 'integer') {
    const range = node.maximum === undefined ? `>= ${node.minimum}` : `from ${node.minimum} to ${node.maximum}`;
    return { path: e.instancePath, line: `${at}: must be an integer ${range}, ${got}` };
  }
  if (node.type === 'array') return { path: e.instancePath, line: `${at}: must be ${node.description}` };
  if (node.type === 'object') return { path: e.instancePath, line: `${at}: must be an object` };
  return { path: e.instancePath, line: `${at}: must be ${node.description}, ${got}` };
}

function valueAt(json: unknown, pointer: string): unknown {
  let v = json;
  for (const t of pointer.split('/').slice(1)) v = isJsonObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[t] : undefined;
  return v;
}

/** What the schema cannot say: names unique across customers, the certificate in the customer's account and region. */
function crossChecks(customers: readonly Customer[]): string[] {
  const problems: string[] = [];
  for (const key of ['name', 'stackName'] as const) {
    const seen = new Map<string, number>();
    customers.forEach((c, index) => {
      const first = seen.get(c[key]);
      if (first === undefined) seen.set(c[key], index);
      else
        problems.push(
          `customers[${index}] "${c.name}".${key}: duplicate ${key} ${JSON.stringify(c[key])} (already used by customers[${first}])`,
        );
    });
  }
  customers.forEach((c, index) => {
    if (!c.domain) return;
    // API Gateway regional custom domains need a certificate in the API's own account and region.
    const [, certRegion, certAccount] = CERTIFICATE_ARN.exec(c.domain.certificateArn) ?? [];
    const at = `customers[${index}] "${c.name}".domain.certificateArn`;
    if (certRegion !== c.region)
      problems.push(`${at}: must be a certificate in the customer's region ${c.region}, got one in ${certRegion}`);
    if (certAccount !== c.account)
      problems.push(`${at}: must be a certificate in the customer's account ${c.account}, got one in ${certAccount}`);
  });
  return problems;
}

/**
 * Validates the parsed JSON of a customers file against schemas/customers-file.schema.json,
 * then what a schema cannot express. Returns the customers (deep copies) or throws a
 * `CustomersFileError` listing every problem, each naming the customer and the field.
 */
export function parseCustomers(json: unknown, source?: string): Customer[] {
  const validate = validator();
  if (!validate(json)) {
    // One line per field: a value can break several keywords (type and pattern) at once.
    const lines = new Map<string, string>();
    for (const e of validate.errors ?? []) {
      const { path, line } = describe(json, e);
      if (!lines.has(path)) lines.set(path, line);
    }
    throw new CustomersFileError([...lines.values()], source);
  }
  const problems = crossChecks(json.customers);
  if (problems.length > 0) throw new CustomersFileError(problems, source);
  return structuredClone(json.customers);
}

/** Reads and validates a customers file; `file` is relative to the working directory (the project root under cdk). */
export function loadCustomers(file: string = DEFAULT_CUSTOMERS_FILE): Customer[] {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read customers file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`customers file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCustomers(json, path);
}

/** The customers to build: all of them, or the one named by the `customer` context. */
export function selectCustomers(customers: readonly Customer[], name?: string): Customer[] {
  if (name === undefined || name === '') return [...customers];
  const found = customers.find((c) => c.name === name);
  if (!found) {
    throw new Error(`unknown customer ${JSON.stringify(name)} (context "customer"); known: ${customers.map((c) => c.name).join(', ')}`);
  }
  return [found];
}

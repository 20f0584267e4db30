/**
 * The customers file: one entry per customer, one stack per entry. `parseCustomers` is strict
 * on purpose: a misspelt field is an error, never silently ignored, so that a typo cannot
 * deploy something other than what the file says.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isJsonObject, type JsonObject } from '../functions/domain/documents.ts';
import { POLL_SETTINGS, type PollSettings } from '../functions/shared/config.ts';

/** A custom domain for the customer's API (regional endpoint, certificate in the same account and region). */
export interface CustomerDomain {
  /** e.g. `hub.acme-blending.example.com` */
  name: string;
  /** ACM certificate covering `name`, in the customer's account and region. */
  certificateArn: string;
}

/** One customer: one stack, one table, one bucket, one HTTP API. */
export interface Customer {
  /** Kebab-case id, e.g. `acme-blending`. */
  name: string;
  /** CloudFormation stack name (the keys CLI takes it as `--stack`). */
  stackName: string;
  /** 12-digit AWS account id. */
  account: string;
  /** AWS region, e.g. `us-east-1`. */
  region: string;
  domain?: CustomerDomain;
  /** Default-stage throttling of the HTTP API. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Retention of every log group of the stack (a value CloudWatch Logs accepts). */
  logRetentionDays: number;
  /** Where alarms are sent (an SNS email subscription to confirm once). */
  alarmEmail: string;
  /** Poll tuning, passed to the functions as POLL_SETTLE_MS, POLL_PAGE_SIZE, POLL_MAX_BYTES. */
  poll: PollSettings;
}

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

/** The retention periods (days) that CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/[A-Za-z0-9-]+$/;

/** Thrown when the customers file is invalid; `problems` lists every finding, one line each. */
export class CustomersFileError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source?: string) {
    super(`invalid customers file${source ? ` ${source}` : ''}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CustomersFileError';
    this.problems = problems;
  }
}

type Obj = JsonObject;
const isObject = isJsonObject;

/** Collects findings under a path prefix such as `customers[1] "prairie-feed"`. */
class Checker {
  readonly problems: string[] = [];

  report(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  /** `value` must be an object whose keys are exactly within `allowed`; `required` must be present. */
  object(where: string, value: unknown, required: readonly string[], optional: readonly string[] = []): value is Obj {
    if (!isObject(value)) {
      this.report(where, 'must be an object');
      return false;
    }
    const allowed = new Set([...required, ...optional]);
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.report(`${where}.${key}`, `unknown field (allowed: ${[...allowed].join(', ')})`);
    }
    for (const key of required) {
      if (value[key] === undefined) this.report(`${where}.${key}`, 'is required');
    }
    return true;
  }

  string(where: string, value: unknown, pattern: RegExp, expected: string, maxLength = 256): value is string {
    if (value === undefined) return false; // reported as missing by object()
    if (typeof value !== 'string' || value.length > maxLength || !pattern.test(value)) {
      this.report(where, `must be ${expected}, got ${JSON.stringify(value)}`);
      return false;
    }
    return true;
  }

  integer(where: string, value: unknown, min: number, max: number): value is number {
    if (value === undefined) return false;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      this.report(where, `must be an integer ${range}, got ${JSON.stringify(value)}`);
      return false;
    }
    return true;
  }
}

function checkCustomer(check: Checker, where: string, raw: unknown): Customer | undefined {
  const required = ['name', 'stackName', 'account', 'region', 'throttle', 'logRetentionDays', 'alarmEmail', 'poll'];
  if (!check.object(where, raw, required, ['domain'])) return undefined;
  const before = check.problems.length;

  check.string(`${where}.name`, raw.name, NAME, 'a kebab-case id (a-z, 0-9 and single dashes, starting with a letter)', 64);
  check.string(
    `${where}.stackName`,
    raw.stackName,
    STACK_NAME,
    'a CloudFormation stack name (letters, digits and dashes, starting with a letter, at most 128 characters)',
    128,
  );
  check.string(`${where}.account`, raw.account, ACCOUNT, 'a 12-digit AWS account id as a string');
  check.string(`${where}.region`, raw.region, REGION, 'an AWS region such as "us-east-1"');
  check.string(`${where}.alarmEmail`, raw.alarmEmail, EMAIL, 'an email address');

  if (raw.logRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly unknown[]).includes(raw.logRetentionDays)) {
    check.report(
      `${where}.logRetentionDays`,
      `must be one of ${LOG_RETENTION_DAYS.join(', ')} (the values CloudWatch Logs accepts), got ${JSON.stringify(raw.logRetentionDays)}`,
    );
  }

  if (raw.throttle !== undefined && check.object(`${where}.throttle`, raw.throttle, ['rateLimit', 'burstLimit'])) {
    check.integer(`${where}.throttle.rateLimit`, raw.throttle.rateLimit, 1, Number.MAX_SAFE_INTEGER);
    check.integer(`${where}.throttle.burstLimit`, raw.throttle.burstLimit, 1, Number.MAX_SAFE_INTEGER);
  }

  if (raw.poll !== undefined && check.object(`${where}.poll`, raw.poll, ['settleMs', 'pageSize', 'maxBytes'])) {
    for (const key of ['settleMs', 'pageSize', 'maxBytes'] as const) {
      check.integer(`${where}.poll.${key}`, raw.poll[key], POLL_SETTINGS[key].min, POLL_SETTINGS[key].max);
    }
  }

  if (raw.domain !== undefined && check.object(`${where}.domain`, raw.domain, ['name', 'certificateArn'])) {
    check.string(`${where}.domain.name`, raw.domain.name, HOSTNAME, 'a lower-case DNS name such as "hub.example.com"');
    const arn = raw.domain.certificateArn;
    if (check.string(`${where}.domain.certificateArn`, arn, CERTIFICATE_ARN, 'an ACM certificate ARN', 2048)) {
      // API Gateway regional custom domains need a certificate in the API's own account and region.
      const [, certRegion, certAccount] = CERTIFICATE_ARN.exec(arn) ?? [];
      if (typeof raw.region === 'string' && REGION.test(raw.region) && certRegion !== raw.region) {
        check.report(
          `${where}.domain.certificateArn`,
          `must be a certificate in the customer's region ${raw.region}, got one in ${certRegion}`,
        );
      }
      if (typeof raw.account === 'string' && ACCOUNT.test(raw.account) && certAccount !== raw.account) {
        check.report(
          `${where}.domain.certificateArn`,
          `must be a certificate in the customer's account ${raw.account}, got one in ${certAccount}`,
        );
      }
    }
  }

  return check.problems.length === before ? (raw as unknown as Customer) : undefined;
}

/**
 * Validates the parsed JSON of a customers file: `{"customers": [ ... ]}`. Returns the customers
 * (deep copies) or throws a `CustomersFileError` listing every problem, each naming the customer
 * and the field.
 */
export function parseCustomers(json: unknown, source?: string): Customer[] {
  const check = new Checker();
  if (!check.object('(file)', json, ['customers'])) throw new CustomersFileError(check.problems, source);
  const list = json.customers;
  if (!Array.isArray(list) || list.length === 0) {
    check.report('customers', 'must be a non-empty array');
    throw new CustomersFileError(check.problems, source);
  }

  const customers: Customer[] = [];
  const names = new Map<string, number>();
  const stackNames = new Map<string, number>();
  list.forEach((raw: unknown, index) => {
    const label = isObject(raw) && typeof raw.name === 'string' ? ` "${raw.name}"` : '';
    const where = `customers[${index}]${label}`;
    const customer = checkCustomer(check, where, raw);
    if (isObject(raw)) {
      for (const [key, seen] of [
        ['name', names],
        ['stackName', stackNames],
      ] as const) {
        const value = raw[key];
        if (typeof value !== 'string') continue;
        const first = seen.get(value);
        if (first !== undefined)
          check.report(`${where}.${key}`, `duplicate ${key} ${JSON.stringify(value)} (already used by customers[${first}])`);
        else seen.set(value, index);
      }
    }
    if (customer) customers.push(structuredClone(customer));
  });

  if (check.problems.length > 0) throw new CustomersFileError(check.problems, source);
  return customers;
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

/**
 * Business metrics as the deployed functions emit them (functions/shared/metrics.ts through the
 * logMetrics middleware of httpHandler): EMF lines on stdout with the hub's namespace and the
 * customer dimension the stack sets; nothing at all locally. Handlers run in-process here.
 */

import assert from 'node:assert/strict';
import type { Context } from 'aws-lambda';
import { test } from 'vitest';

type MetricsModule = typeof import('../../functions/shared/metrics.ts');

// As the stack configures a function (infra/stacks/hub-stack.ts), before the modules load.
for (const name of ['MIXTICKET_LOCAL', 'POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED']) delete process.env[name];
Object.assign(process.env, { POWERTOOLS_SERVICE_NAME: 'mixticket-hub', MIXTICKET_CUSTOMER: 'acme-blending' });
const { httpHandler } = await import('../../functions/shared/handler.ts');
const { json } = await import('../../functions/shared/middleware.ts');
const { METRIC, METRICS_NAMESPACE, countMetric } = await import('../../functions/shared/metrics.ts');
const { invalidInput } = await import('../../functions/domain/errors.ts');

/** A fresh instance of the metrics module under `env` (a query string makes it a new module). */
async function metricsModuleWith(env: Record<string, string | undefined>, tag: string): Promise<MetricsModule> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return (await import(new URL(`../../functions/shared/metrics.ts?${tag}`, import.meta.url).href)) as MetricsModule;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Runs `fn`, returning what was written to stdout and stderr meanwhile, one entry per line. */
async function outputOf(fn: () => Promise<unknown> | unknown): Promise<string[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      return true;
    }) as typeof stream.write;
  }
  try {
    await fn();
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]!));
  }
  return lines;
}

const emfOf = (lines: string[]) =>
  lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, any>;
      return parsed._aws ? [parsed] : [];
    } catch {
      return [];
    }
  });

const event = {
  version: '2.0',
  routeKey: 'GET /health',
  rawPath: '/health',
  rawQueryString: '',
  headers: {},
  isBase64Encoded: false,
  requestContext: {
    requestId: 'r-1',
    routeKey: 'GET /health',
    http: { method: 'GET', path: '/health', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
  },
} as never;
const context = {
  awsRequestId: 'req-1',
  functionName: 'health',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:health',
  memoryLimitInMB: '512',
  logGroupName: 'g',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

test("a request's business metrics are flushed as one EMF line: namespace, service and customer dimensions", async () => {
  const handler = httpHandler('health', async () => {
    countMetric(METRIC.polls);
    countMetric(METRIC.documentsServed, 3);
    return json({ status: 'ok' });
  });
  const [emf, ...more] = emfOf(await outputOf(() => handler(event, context)));
  assert.ok(emf, 'one EMF line');
  assert.equal(more.length, 0);
  const [directive] = emf._aws.CloudWatchMetrics;
  assert.equal(directive.Namespace, METRICS_NAMESPACE);
  assert.equal(METRICS_NAMESPACE, 'MixTicketHub');
  assert.deepEqual(directive.Dimensions, [['service', 'customer']]);
  assert.deepEqual(
    (directive.Metrics as Array<{ Name: string; Unit: string }>).map((m) => [m.Name, m.Unit]),
    [
      ['polls', 'Count'],
      ['documentsServed', 'Count'],
    ],
  );
  assert.equal(emf.service, 'mixticket-hub');
  assert.equal(emf.customer, 'acme-blending');
  assert.equal(emf.polls, 1);
  assert.equal(emf.documentsServed, 3);
});

test('metrics counted before an error are flushed with the error response', async () => {
  const handler = httpHandler('health', async () => {
    countMetric(METRIC.ordersPushed, 2);
    throw invalidInput('rejected after counting');
  });
  let response: unknown;
  const lines = await outputOf(async () => {
    response = await handler(event, context);
  });
  assert.equal((response as { statusCode: number }).statusCode, 400);
  const [emf] = emfOf(lines);
  assert.equal(emf?.ordersPushed, 2);
});

test('a request that counts nothing writes no metric and no warning', async () => {
  const handler = httpHandler('health', async () => json({ status: 'ok' }));
  const lines = await outputOf(() => handler(event, context));
  assert.deepEqual(lines, [], 'neither EMF nor a "no metrics" WARN per request (log level INFO)');
});

test('the metric names handlers use', () => {
  assert.deepEqual(Object.keys(METRIC).sort(), [
    'acknowledgementsReceived',
    'documentsServed',
    'ordersPushed',
    'polls',
    'recordsReceived',
    'silentPollers',
    'webhookAttempts',
    'webhookDeadLetters',
    'webhookFailures',
    'webhookOldestDueSeconds',
  ]);
  for (const [key, name] of Object.entries(METRIC)) assert.equal(name, key);
});

test('a bad value is dropped, never thrown at the request', async () => {
  const mod = await metricsModuleWith({}, 'bad-values');
  const lines = await outputOf(() => {
    mod.countMetric(mod.METRIC.polls, Number.NaN);
    mod.countMetric(mod.METRIC.polls, -1);
    mod.metrics.publishStoredMetrics();
  });
  assert.deepEqual(emfOf(lines), []);
  assert.equal(lines.filter((l) => l.includes('metric value dropped')).length, 2, 'each dropped value is logged');
});

test('locally (MIXTICKET_LOCAL=1) metrics are disabled: no EMF on stdout', async () => {
  const emitted = async (mod: MetricsModule) =>
    emfOf(
      await outputOf(() => {
        mod.countMetric(mod.METRIC.polls);
        mod.metrics.publishStoredMetrics();
      }),
    );
  const local = await metricsModuleWith(
    { MIXTICKET_LOCAL: '1', POWERTOOLS_METRICS_DISABLED: undefined, MIXTICKET_CUSTOMER: undefined },
    'local',
  );
  assert.deepEqual(await emitted(local), []);
  const forced = await metricsModuleWith({ MIXTICKET_LOCAL: '1', POWERTOOLS_METRICS_DISABLED: 'false' }, 'local-forced');
  assert.equal((await emitted(forced)).length, 1, 'POWERTOOLS_METRICS_DISABLED=false still shows them locally');
  const deployed = await metricsModuleWith({ MIXTICKET_LOCAL: undefined, POWERTOOLS_METRICS_DISABLED: undefined }, 'deployed');
  assert.equal((await emitted(deployed)).length, 1, 'the same module on AWS does emit');
});

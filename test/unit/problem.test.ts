import assert from 'node:assert/strict';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import validator from '@middy/validator';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv';
import type { Context } from 'aws-lambda';
import { describe, test } from 'vitest';
import { ConcurrentChangeError, conflict, type ErrorItem, type ErrorKind, HubError, StorageError } from '../../functions/domain/errors.ts';
import { ajvErrorItem, internalProblem, problemOf, problemResponse, problemType, toHubError } from '../../functions/shared/problem.ts';
import { throttlingAsStorageError } from '../../functions/store/errors.ts';

/** Runs a middleware step and returns what it threw. */
async function thrownBy(step: () => unknown): Promise<unknown> {
  try {
    await step();
  } catch (e) {
    return e;
  }
  assert.fail('expected the middleware to throw');
}

/** The error middy's JSON body parser raises for this content type and body. */
function bodyParserError(contentType: string, body: string | undefined): Promise<unknown> {
  const parser = httpJsonBodyParser();
  return thrownBy(() => parser.before?.({ event: { headers: { 'content-type': contentType }, body } } as never));
}

const orderSchema = {
  type: 'object',
  required: ['dispensingWorkOrder'],
  properties: {
    dispensingWorkOrder: {
      type: 'array',
      items: {
        type: 'object',
        required: ['workOrderIdentifier'],
        additionalProperties: false,
        properties: {
          workOrderIdentifier: { type: 'object' },
          physicalState: { enum: ['dry', 'liquid', 'gas'] },
        },
      },
    },
  },
};

const ajv = new Ajv.default({ allErrors: true });
const validateOrders = ajv.compile(orderSchema);

/** Validates the body only, as shared/middleware.ts adapts body validators to @middy/validator. */
function bodyCheck(validate: ValidateFunction) {
  const check = (event: { body: unknown }): boolean => {
    const ok = validate(event.body);
    (check as { errors?: unknown }).errors = validate.errors ?? null;
    return ok;
  };
  return check;
}

/** The error @middy/validator raises for this body. */
function validatorError(body: unknown): Promise<unknown> {
  const middleware = validator({ eventSchema: bodyCheck(validateOrders) as never });
  return thrownBy(() => middleware.before?.({ event: { body }, context: {} } as never));
}

/** Real ajv errors for a value against a schema. */
function ajvErrors(schema: object, value: unknown): ErrorObject[] {
  const validate = ajv.compile(schema);
  assert.equal(validate(value), false, 'the probe value must be invalid');
  return validate.errors ?? [];
}

function hubErrorOf(e: unknown): HubError {
  const mapped = toHubError(e);
  assert.ok(mapped, `expected ${String(e)} to map to a HubError`);
  return mapped;
}

describe('toHubError: the JSON body parser', () => {
  test('a body that is not sent as JSON is unsupported-media-type (415)', async () => {
    const mapped = hubErrorOf(await bodyParserError('text/plain', '{}'));

    assert.equal(mapped.kind, 'unsupported-media-type');
  });

  test('a body that is not valid JSON (422) is invalid-input, saying why', async () => {
    const raised = await bodyParserError('application/json', '{"dispensingWorkOrder": [');

    const mapped = hubErrorOf(raised);

    assert.equal((raised as { statusCode: number }).statusCode, 422, 'the probe is the parser 422');
    assert.equal(mapped.kind, 'invalid-input');
    assert.match(mapped.message, /not valid JSON: .+/);
  });

  test('a missing body is invalid-input', async () => {
    assert.equal(hubErrorOf(await bodyParserError('application/json', undefined)).kind, 'invalid-input');
  });

  test("a forbidden key (__proto__) is the client's fault: invalid-input, not a 500", async () => {
    const mapped = hubErrorOf(await bodyParserError('application/json', '{"__proto__": {"admin": true}}'));

    assert.equal(mapped.kind, 'invalid-input');
  });
});

describe('toHubError: the schema validator', () => {
  const body = { dispensingWorkOrder: [{ physicalState: 'plasma', color: 'red' }] };

  async function mappedItems(): Promise<ErrorItem[]> {
    const mapped = hubErrorOf(await validatorError(body));
    assert.equal(mapped.kind, 'invalid-input');
    return mapped.errors ?? [];
  }

  test('a missing required property is located at the path of the property', async () => {
    const item = (await mappedItems()).find((e) => e.message === 'is required');

    assert.equal(item?.path, '/dispensingWorkOrder/0/workOrderIdentifier');
  });

  test('a property the schema does not define is located at its own path', async () => {
    const item = (await mappedItems()).find((e) => e.path === '/dispensingWorkOrder/0/color');

    assert.equal(item?.message, 'is not a property the standard defines here');
  });

  test('a value outside an enum lists the allowed values', async () => {
    const item = (await mappedItems()).find((e) => e.path === '/dispensingWorkOrder/0/physicalState');

    assert.equal(item?.message, 'must be one of: "dry", "liquid", "gas"');
  });

  test('the detail counts the errors and says nothing was applied', async () => {
    const mapped = hubErrorOf(await validatorError(body));

    assert.match(mapped.message, /\(3 errors\); nothing was applied/);
  });

  test("a failing context or response validation (500) is the hub's fault: null", () => {
    const raised = Object.assign(new Error('Response object failed validation'), {
      statusCode: 500,
      cause: { package: '@middy/validator', data: [] },
    });

    assert.equal(toHubError(raised), null);
  });
});

describe('toHubError: everything else', () => {
  test('a HubError passes through as it is', () => {
    const error = conflict('taken');

    assert.equal(toHubError(error), error);
  });

  test("an unknown Error is the hub's fault: null", () => {
    assert.equal(toHubError(new TypeError("Cannot read properties of undefined (reading 'x')")), null);
  });

  test('a thrown non-error is null', () => {
    assert.equal(toHubError('boom'), null);
    assert.equal(toHubError(undefined), null);
  });

  test("another middleware's 4xx is invalid-input with its message", () => {
    const raised = Object.assign(new Error('Unknown API Gateway Payload format'), { statusCode: 400 });

    const mapped = hubErrorOf(raised);

    assert.equal(mapped.kind, 'invalid-input');
    assert.equal(mapped.message, 'Unknown API Gateway Payload format');
  });

  test("middy's own timeout (the handler ran out of time) is unavailable, a 503", async () => {
    const slow = middy(async () => new Promise((resolve) => setTimeout(resolve, 1_000)), { timeoutEarlyInMillis: 50 });
    const context = { getRemainingTimeInMillis: () => 80 } as unknown as Context;
    const raised = await slow({}, context).then(
      () => assert.fail('the slow handler answered'),
      (e: unknown) => e,
    );

    const mapped = hubErrorOf(raised);

    assert.equal(mapped.kind, 'unavailable');
    assert.equal(problemOf(mapped).status, 503);
    assert.equal(problemResponse(problemOf(mapped)).headers?.['retry-after'], '60');
  });

  test("another middleware's 5xx is null", () => {
    assert.equal(toHubError(Object.assign(new Error('down'), { statusCode: 503 })), null);
  });
});

describe('ajvErrorItem', () => {
  test('a required property missing at the root is located under the root', () => {
    const [error] = ajvErrors({ type: 'object', required: ['dispensingWorkOrder'] }, {});

    assert.deepEqual(ajvErrorItem(error!), { path: '/dispensingWorkOrder', message: 'is required' });
  });

  test('an error about the root itself is located at "/"', () => {
    const [error] = ajvErrors({ type: 'object' }, []);

    assert.equal(ajvErrorItem(error!).path, '/');
  });

  test('a prefix is put in front of the path', () => {
    const [error] = ajvErrors({ type: 'object', properties: { a: { type: 'string' } } }, { a: 1 });

    assert.equal(ajvErrorItem(error!, '/body').path, '/body/a');
  });

  test("other keywords keep ajv's message", () => {
    const [error] = ajvErrors({ type: 'object', properties: { a: { type: 'string' } } }, { a: 1 });

    assert.deepEqual(ajvErrorItem(error!), { path: '/a', message: 'must be string' });
  });

  test('an unknown property whose name holds "/" or "~" is located by an escaped JSON pointer', () => {
    const errors = ajvErrors({ type: 'object', additionalProperties: false }, { 'a/b': 1, 'c~d': 2 });

    assert.deepEqual(
      errors.map((e) => ajvErrorItem(e).path),
      ['/a~1b', '/c~0d'],
    );
  });
});

describe('problemOf', () => {
  const statuses: [ErrorKind, number][] = [
    ['invalid-input', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not-found', 404],
    ['method-not-allowed', 405],
    ['conflict', 409],
    ['too-large', 413],
    ['unsupported-media-type', 415],
    ['throttled', 429],
  ];
  for (const [kind, status] of statuses) {
    test(`a ${kind} error is a ${status} problem of type ${problemType(kind)}`, () => {
      const problem = problemOf(new HubError(kind, 'why'));

      assert.equal(problem.status, status);
      assert.equal(problem.type, `urn:mixticket:problem:${kind}`);
      assert.equal(problem.detail, 'why');
      assert.ok(problem.title.length > 0);
    });
  }

  const items = (n: number): ErrorItem[] =>
    Array.from({ length: n }, (_, i) => ({ path: `/dispensingWorkOrder/${i}`, message: 'is invalid' }));

  test('lists at most 100 errors and says how many more there were', () => {
    const problem = problemOf(new HubError('invalid-input', 'The body does not follow the schema.', items(150)));

    assert.equal(problem.errors?.length, 100);
    assert.equal(problem.errors?.[99]?.path, '/dispensingWorkOrder/99');
    assert.equal(problem.detail, 'The body does not follow the schema. (50 further errors not listed)');
  });

  test('lists exactly 100 errors without a note', () => {
    const problem = problemOf(new HubError('invalid-input', 'Bad.', items(100)));

    assert.equal(problem.errors?.length, 100);
    assert.equal(problem.detail, 'Bad.');
  });

  test('has no errors member when there is nothing to point at', () => {
    const problem = problemOf(new HubError('conflict', 'taken', []));

    assert.equal('errors' in problem, false);
  });

  test('carries the instance when one is given, and none otherwise', () => {
    assert.equal(problemOf(conflict('taken'), 'urn:request:abc').instance, 'urn:request:abc');
    assert.equal('instance' in problemOf(conflict('taken')), false);
  });
});

describe('problem responses', () => {
  test('are application/problem+json with the status and the problem as body', () => {
    const problem = problemOf(conflict('taken'));

    const response = problemResponse(problem);

    assert.equal(response.statusCode, 409);
    assert.equal(response.headers?.['content-type'], 'application/problem+json');
    assert.deepEqual(JSON.parse(response.body ?? ''), problem);
  });

  test('the internal error is a 500 that tells the client retrying is safe and nothing more', () => {
    const problem = internalProblem('urn:request:abc');

    assert.equal(problem.status, 500);
    assert.equal(problem.instance, 'urn:request:abc');
    assert.equal('errors' in problem, false);
  });
});

describe('storage errors: mapped here, in one place', () => {
  const cases: [StorageError, number, string][] = [
    [new ConcurrentChangeError(), 409, 'conflict'],
    [new StorageError('kept-changing', 'x'), 409, 'conflict'],
    [new StorageError('too-many-writes', 'This request would write 140 items at once.'), 413, 'too-large'],
    [new StorageError('throttled', 'storage throttled: SlowDown'), 429, 'throttled'],
  ];
  for (const [error, status, kind] of cases) {
    test(`${error.failure} is a ${status} ${kind} problem that says nothing was applied`, () => {
      const hubError = toHubError(error);
      assert.ok(hubError);
      const problem = problemOf(hubError);
      assert.equal(problem.status, status);
      assert.equal(problem.type, problemType(kind as ErrorKind));
      assert.match(problem.detail, /nothing was applied/);
    });
  }

  test('the too-many-writes detail keeps the count the store gave', () => {
    const problem = problemOf(toHubError(new StorageError('too-many-writes', 'This request would write 140 items at once.'))!);
    assert.match(problem.detail, /140 items/);
  });

  test('a throttled answer tells the client when to retry', () => {
    const reply = problemResponse(problemOf(toHubError(new StorageError('throttled', 'x'))!));
    assert.equal(reply.statusCode, 429);
    assert.equal(reply.headers?.['retry-after'], '1');
  });

  test("the SDK middleware turns throttling that outlived the SDK's retries into a storage error", async () => {
    const throwing = (error: unknown) => throttlingAsStorageError(async () => Promise.reject(error));
    for (const name of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'SlowDown']) {
      const e = await thrownBy(() => throwing(Object.assign(new Error('x'), { name }))(undefined));
      assert.ok(e instanceof StorageError && e.failure === 'throttled', name);
    }
    const cancelled = Object.assign(new Error('x'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ThrottlingError' }],
    });
    assert.ok((await thrownBy(() => throwing(cancelled)(undefined))) instanceof StorageError);
    const other = Object.assign(new Error('x'), { name: 'ValidationException' });
    assert.equal(await thrownBy(() => throwing(other)(undefined)), other);
    assert.equal(await throttlingAsStorageError(async () => 'ok')(undefined), 'ok');
  });

  test("the SDK middleware turns storage out of reach (refused, cut, timed out) into 'unavailable'", async () => {
    const throwing = (error: unknown) => throttlingAsStorageError(async () => Promise.reject(error));
    const unreachable = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('socket hang up'),
      Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
      Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), { code: undefined }),
    ];
    for (const error of unreachable) {
      const e = await thrownBy(() => throwing(error)(undefined));
      assert.ok(e instanceof StorageError && e.failure === 'unavailable', error.message);
    }
    const other = Object.assign(new Error('x'), { code: 'ENOENT' });
    assert.equal(await thrownBy(() => throwing(other)(undefined)), other);
  });

  test('storage out of reach is a 503 with Retry-After that says retrying is safe, never a 500', () => {
    const reply = problemResponse(problemOf(toHubError(new StorageError('unavailable', 'storage unreachable: x'))!));
    assert.equal(reply.statusCode, 503);
    assert.equal(reply.headers?.['content-type'], 'application/problem+json');
    assert.ok(Number(reply.headers?.['retry-after']) > 0);
    assert.equal(JSON.parse(reply.body ?? '').type, problemType('unavailable'));
    assert.match(JSON.parse(reply.body ?? '').detail, /retrying is safe/);
  });

  test("any other error stays the hub's own fault (500)", () => {
    assert.equal(toHubError(new Error('disk on fire')), null);
  });
});

describe('HubError', () => {
  test('an empty list of errors is no list', () => {
    assert.equal(new HubError('conflict', 'x', []).errors, undefined);
  });

  test('is an Error named HubError with its kind', () => {
    const error = new HubError('throttled', 'slow down');

    assert.ok(error instanceof Error);
    assert.equal(error.name, 'HubError');
    assert.equal(error.kind, 'throttled');
  });
});

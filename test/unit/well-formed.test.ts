/**
 * Text a client sends is taken exactly or refused: strict UTF-8, well-formed Unicode in every
 * string of a body and every parameter, and the Lambda side of it (what API Gateway decoded,
 * run through the one middleware stack in-process; no table is reached).
 */
import assert from 'node:assert/strict';
import type { Context } from 'aws-lambda';
import { describe, test } from 'vitest';
import { validateDocumentUploadRequest } from '../../functions/generated/validators/validate-document-upload-request.cjs';
import { httpHandler } from '../../functions/shared/handler.ts';
import { json } from '../../functions/shared/middleware.ts';
import { decodeUtf8, illFormedParams, illFormedStrings } from '../../functions/shared/well-formed.ts';

describe('strict UTF-8 and well-formed Unicode', () => {
  test('decodeUtf8 refuses what a lossy decoder would replace, and keeps everything else exactly', () => {
    for (const bad of [
      [0xff, 0xfe],
      [0xc3, 0x28],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      assert.equal(decodeUtf8(Uint8Array.from(bad)), null, Buffer.from(bad).toString('hex'));
    }
    for (const text of ['', 'WO-74', '€😀\u{10FFFF}', '\uFFFD', '\uFEFF{}']) assert.equal(decodeUtf8(Buffer.from(text)), text);
  });

  test('illFormedStrings names every lone surrogate by its JSON pointer, property names included', () => {
    const value = {
      ok: ['😀', '\ud83d\ude00'],
      docs: [{ id: { number: '\ud800WO-75' } }, { 'a/b~c': ['x', '\udfff'] }],
      'k\udc00': 1,
    };
    assert.deepEqual(
      illFormedStrings(value).map((e) => e.path),
      ['/docs/0/id/number', '/docs/1/a~1b~0c/1', '/k\uFFFD'],
    );
    assert.deepEqual(illFormedStrings(['\ud800'], '/dispensingWorkOrder'), [
      { path: '/dispensingWorkOrder/0', message: 'is not well-formed Unicode (a lone surrogate)' },
    ]);
    assert.deepEqual(
      illFormedStrings('\ud800').map((e) => e.path),
      ['/'],
    );
    assert.deepEqual(illFormedStrings({ a: 'fine', b: [1, null, true, { c: '€' }] }), []);
    assert.equal(illFormedStrings(Array.from({ length: 500 }, () => '\ud800')).length, 100, 'the list is capped');
  });

  test('illFormedParams names the parameter', () => {
    assert.deepEqual(illFormedParams({ agency: '\ud800', ok: 'GS1' }, 'queryStringParameters'), [
      { path: '/queryStringParameters/agency', message: 'is not well-formed Unicode' },
    ]);
    assert.deepEqual(illFormedParams(undefined, 'pathParameters'), []);
  });
});

describe('the Lambda side: what API Gateway decoded, through the one middleware stack', () => {
  const context = {
    awsRequestId: 'req-1',
    functionName: 'f',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:f',
    memoryLimitInMB: '512',
    logGroupName: 'g',
    logStreamName: 's',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;
  const authorizer = { lambda: { keyId: 'k1', role: 'pcs', facilities: '*', format: 'canonical' } };

  /** A payload v2 event as API Gateway delivers it (typed loosely, as the handler's own type is middy's). */
  function event(fields: Partial<Record<string, unknown>>): never {
    return {
      version: '2.0',
      routeKey: 'r',
      rawPath: '/',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: false,
      requestContext: { requestId: 'r-1', routeKey: 'r', http: { method: 'GET', path: '/' }, authorizer },
      ...fields,
    } as never;
  }

  let reached = 0;
  const getHandler = httpHandler('getWorkOrder', async () => {
    reached++;
    return json({ ok: true });
  });
  const postHandler = httpHandler(
    'createDocumentUpload',
    async ({ body }) => {
      reached++;
      return json(body);
    },
    { validate: validateDocumentUploadRequest },
  );
  const problemOf = (r: unknown) => {
    const reply = r as { statusCode: number; headers: Record<string, string>; body: string };
    assert.equal(reply.headers['content-type'], 'application/problem+json');
    return { status: reply.statusCode, ...(JSON.parse(reply.body) as { type: string; detail: string; errors?: { path: string }[] }) };
  };

  test('a path or query parameter that is not well-formed after decoding is 400 naming it', async () => {
    const before = reached;
    const cases: [Record<string, unknown>, string][] = [
      [{ pathParameters: { facilityId: 'PLANT-A', workOrderNumber: 'WO-\ud800' } }, '/pathParameters/workOrderNumber'],
      [{ pathParameters: { facilityId: '\udfffPLANT' } }, '/pathParameters/facilityId'],
      [
        { pathParameters: { facilityId: 'PLANT-A', workOrderNumber: 'WO-1' }, queryStringParameters: { agency: '\ud83d' } },
        '/queryStringParameters/agency',
      ],
    ];
    for (const [fields, path] of cases) {
      const p = problemOf(await getHandler(event(fields), context));
      assert.equal(p.status, 400);
      assert.equal(p.type, 'urn:mixticket:problem:invalid-input');
      assert.deepEqual(
        p.errors?.map((e) => e.path),
        [path],
      );
    }
    assert.equal(reached, before, 'the handler never ran');
  });

  test('a base64 body that is not UTF-8 is 400 naming the body; a non-JSON content type stays 415', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"fileName":"bol-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.pdf","contentType":"application/pdf","size":1}'),
    ]);
    const bad = problemOf(await postHandler(event({ body: bytes.toString('base64'), isBase64Encoded: true }), context));
    assert.equal(bad.status, 400);
    assert.match(bad.detail, /body is not valid UTF-8/);
    const pdf = event({ body: bytes.toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/pdf' } });
    assert.equal(problemOf(await postHandler(pdf, context)).status, 415);
  });

  test('a valid base64 body is read as its UTF-8 text; a lone surrogate in it is 400 naming the pointer', async () => {
    const good = '{"fileName":"bol-€😀.pdf","contentType":"application/pdf","size":1}';
    const ok = (await postHandler(event({ body: Buffer.from(good).toString('base64'), isBase64Encoded: true }), context)) as {
      statusCode: number;
      body: string;
    };
    assert.equal(ok.statusCode, 200);
    assert.equal(JSON.parse(ok.body).fileName, 'bol-€😀.pdf');
    const lone = problemOf(await postHandler(event({ body: good.replace('😀', '\\ud83d') }), context));
    assert.equal(lone.status, 400);
    assert.deepEqual(
      lone.errors?.map((e) => e.path),
      ['/fileName'],
    );
  });
});

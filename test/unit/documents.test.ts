import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { enforceStoredSizes, stringifyBooleans } from '../../functions/domain/documents.ts';
import { HubError } from '../../functions/domain/errors.ts';

describe('stringifyBooleans', () => {
  test('turns JSON booleans at any depth, in objects and arrays, into "true" / "false"', () => {
    const doc = { isCarrier: true, product: [{ isCarrier: false, nested: { flags: [true, false] } }] };

    assert.deepEqual(stringifyBooleans(doc), {
      isCarrier: 'true',
      product: [{ isCarrier: 'false', nested: { flags: ['true', 'false'] } }],
    });
  });

  test('leaves strings, numbers, null and empty values as they are', () => {
    const doc = { a: 'true', b: 0, c: 1.5, d: null, e: '', f: [], g: {}, h: 'false' };

    assert.deepEqual(stringifyBooleans(doc), doc);
  });

  test('turns a bare boolean into its string', () => {
    assert.equal(stringifyBooleans(false), 'false');
  });

  test('leaves the input document untouched', () => {
    const doc = { isCarrier: true, list: [false] };

    stringifyBooleans(doc);

    assert.deepEqual(doc, { isCarrier: true, list: [false] });
  });
});

describe('enforceStoredSizes', () => {
  const limits = { maxStoredDocumentBytes: 100, maxBatchStoredBytes: 250 };
  /** A document whose JSON is exactly `bytes` long ({"p":"…"} is 8 bytes of frame). */
  const docOf = (bytes: number) => ({ p: 'x'.repeat(bytes - 8) });

  function tooLarge(docs: unknown[]): HubError {
    try {
      enforceStoredSizes(docs, '/dispensingWorkOrder', limits);
    } catch (e) {
      assert.ok(e instanceof HubError);
      assert.equal(e.kind, 'too-large');
      return e;
    }
    assert.fail('the documents were accepted');
  }

  test('returns each document size in bytes of JSON (UTF-8)', () => {
    const sizes = enforceStoredSizes([docOf(20), { p: 'é' }], '/dispensingWorkOrder', limits);

    assert.deepEqual(sizes, [20, 10]);
  });

  test('accepts a document of exactly the per-document limit', () => {
    assert.deepEqual(enforceStoredSizes([docOf(100)], '/dispensingWorkOrder', limits), [100]);
  });

  test('names every oversize document by its index', () => {
    const error = tooLarge([docOf(50), docOf(101), docOf(10), docOf(200)]);

    assert.deepEqual(
      error.errors?.map((e) => e.path),
      ['/dispensingWorkOrder/1', '/dispensingWorkOrder/3'],
    );
    assert.match(error.errors?.[0]?.message ?? '', /101 bytes/);
  });

  test('counts bytes, not characters', () => {
    const error = tooLarge([{ p: 'é'.repeat(50) }]);

    assert.equal(error.errors?.[0]?.path, '/dispensingWorkOrder/0');
  });

  test('rejects a batch over the total even when each document fits', () => {
    const error = tooLarge([docOf(100), docOf(100), docOf(51)]);

    assert.equal(error.errors, undefined);
    assert.match(error.message, /251 bytes/);
  });

  test('accepts a batch of exactly the total', () => {
    assert.deepEqual(enforceStoredSizes([docOf(100), docOf(100), docOf(50)], '', limits), [100, 100, 50]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { exceedsJsonDepth } from '../../functions/shared/json-depth.ts';

const LIMIT = 32;
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

describe('exceedsJsonDepth', () => {
  test('32 levels of arrays are within the limit', () => {
    assert.equal(exceedsJsonDepth(arrays(32), LIMIT), false);
  });

  test('33 levels of arrays exceed it', () => {
    assert.equal(exceedsJsonDepth(arrays(33), LIMIT), true);
  });

  test('objects count as levels like arrays', () => {
    assert.equal(exceedsJsonDepth(objects(32), LIMIT), false);
    assert.equal(exceedsJsonDepth(objects(33), LIMIT), true);
  });

  test('arrays and objects mixed count together', () => {
    const mixed32 = `${'[{"a":'.repeat(16)}null${'}]'.repeat(16)}`;

    assert.doesNotThrow(() => JSON.parse(mixed32), 'the probe is valid JSON');
    assert.equal(exceedsJsonDepth(mixed32, LIMIT), false);
    assert.equal(exceedsJsonDepth(`[${mixed32}]`, LIMIT), true);
  });

  test('siblings do not add up: only nesting counts', () => {
    const wide = `[${Array.from({ length: 100 }, () => arrays(31)).join(',')}]`;

    assert.equal(exceedsJsonDepth(wide, LIMIT), false);
  });

  test('brackets inside strings do not count', () => {
    const text = `{"note":"${'['.repeat(100)}${'{'.repeat(100)}"}`;

    assert.equal(exceedsJsonDepth(text, LIMIT), false);
  });

  test('an escaped quote does not end a string', () => {
    const text = JSON.stringify({ note: `say "${'['.repeat(100)}" twice` });

    assert.equal(exceedsJsonDepth(text, LIMIT), false);
  });

  test('an escaped backslash before a quote does end the string, so brackets after it count', () => {
    const text = `["\\\\",${arrays(32)}]`;

    assert.equal(JSON.parse(text)[0], '\\', 'the probe is a one-backslash string then 32 more levels');
    assert.equal(exceedsJsonDepth(text, LIMIT), true);
  });

  test('a 1,000,000-level body is answered at once', () => {
    const hostile = arrays(1_000_000);
    // "At once" without a stopwatch: the same body, through a view that notes how far it was
    // read, is answered from its first levels past the limit, not from its 2,000,000 characters.
    let furthest = -1;
    const view = {
      length: hostile.length,
      charCodeAt: (i: number) => {
        furthest = Math.max(furthest, i);
        return hostile.charCodeAt(i);
      },
    } as unknown as string;

    const result = exceedsJsonDepth(hostile, LIMIT);
    const viewed = exceedsJsonDepth(view, LIMIT);

    assert.equal(result, true);
    assert.equal(viewed, true);
    assert.ok(furthest <= LIMIT, `read up to character ${furthest}`);
  });

  test('a 1,000,000-level body is measured without recursion (no stack overflow at any limit)', () => {
    assert.equal(exceedsJsonDepth(arrays(1_000_000), 1_000_000), false);
    assert.equal(exceedsJsonDepth(arrays(1_000_000), 999_999), true);
  });
});

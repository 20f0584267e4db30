import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import { isFacilityId, parseFacilityId } from '../../functions/domain/facility.ts';

describe('isFacilityId', () => {
  const valid: [string, string][] = [
    ['64 characters', 'a'.repeat(64)],
    ['one character', 'x'],
    ['every allowed character class', 'Plant_7.north-B'],
    ['dots that are not "." or ".."', '...'],
    ['a leading dot', '.plant'],
  ];
  for (const [what, id] of valid) {
    test(`accepts ${what}`, () => {
      assert.equal(isFacilityId(id), true);
    });
  }

  const invalid: [string, unknown][] = [
    ['65 characters', 'a'.repeat(65)],
    ['"."', '.'],
    ['".."', '..'],
    ['a slash', 'a/b'],
    ['a space', 'a b'],
    ['the empty string', ''],
    ['unicode letters', 'usine-é'],
    ['a trailing newline', 'plant\n'],
    ['a hash (the key separator)', 'plant#7'],
    ['a number', 7],
    ['undefined', undefined],
  ];
  for (const [what, id] of invalid) {
    test(`rejects ${what}`, () => {
      assert.equal(isFacilityId(id), false);
    });
  }
});

describe('parseFacilityId', () => {
  test('returns a valid id as it is', () => {
    assert.equal(parseFacilityId('plant-7'), 'plant-7');
  });

  test('throws invalid input pointing at the path parameter', () => {
    assert.throws(
      () => parseFacilityId('a/b'),
      (e: unknown) =>
        e instanceof HubError &&
        e.kind === 'invalid-input' &&
        e.errors?.[0]?.path === '/pathParameters/facilityId' &&
        /1 to 64 characters/.test(e.message),
    );
  });
});

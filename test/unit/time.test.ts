import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import { EXPECTED_TIME_FORMAT, isoMs, parseClientTime } from '../../functions/domain/time.ts';

const utc = (iso: string): number => new Date(iso).getTime();

function rejection(raw: string, field?: string): HubError {
  try {
    parseClientTime(raw, field);
  } catch (e) {
    assert.ok(e instanceof HubError, `expected a HubError, got ${String(e)}`);
    return e;
  }
  assert.fail(`${JSON.stringify(raw)} was accepted`);
}

describe('parseClientTime: accepted forms', () => {
  const accepted: [string, string, string][] = [
    ['a Z zone', '2026-11-21T08:30:00Z', '2026-11-21T08:30:00.000Z'],
    ['a lowercase z zone', '2026-11-21T08:30:00z', '2026-11-21T08:30:00.000Z'],
    ['a +02:00 offset', '2026-11-21T10:30:00+02:00', '2026-11-21T08:30:00.000Z'],
    ['a -0500 offset without colon', '2026-11-21T03:30:00-0500', '2026-11-21T08:30:00.000Z'],
    ['a +05:45 offset with minutes', '2026-11-21T14:15:00+05:45', '2026-11-21T08:30:00.000Z'],
    ['milliseconds', '2026-11-21T08:30:00.123Z', '2026-11-21T08:30:00.123Z'],
    ['a one-digit fraction', '2026-11-21T08:30:00.5Z', '2026-11-21T08:30:00.500Z'],
    ['microseconds, truncated to ms', '2026-11-21T08:30:00.123999Z', '2026-11-21T08:30:00.123Z'],
    ['nanoseconds, truncated to ms', '2026-11-21T08:30:00.123456789+01:00', '2026-11-21T07:30:00.123Z'],
    ['no seconds', '2026-11-21T08:30Z', '2026-11-21T08:30:00.000Z'],
    ['no seconds and an offset', '2026-11-21T10:30+02:00', '2026-11-21T08:30:00.000Z'],
    ['a + that arrived as a space', '2026-11-21T10:00:00 02:00', '2026-11-21T08:00:00.000Z'],
    ['a + that arrived as a space, offset without colon', '2026-11-21T10:00:00 0200', '2026-11-21T08:00:00.000Z'],
    ['a leap day', '2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['a local date whose UTC day is the day before', '2026-03-01T00:30:00+02:00', '2026-02-28T22:30:00.000Z'],
    ['a local date whose UTC day is the day after', '2026-02-28T23:30:00-05:00', '2026-03-01T04:30:00.000Z'],
    ['surrounding whitespace', '  2026-11-21T08:30:00Z  ', '2026-11-21T08:30:00.000Z'],
  ];
  for (const [what, raw, expected] of accepted) {
    test(`reads ${what}`, () => {
      assert.equal(parseClientTime(raw), utc(expected));
    });
  }
});

describe('parseClientTime: rejected forms', () => {
  const rejected: [string, string][] = [
    ['no zone', '2026-11-21T08:30:00'],
    ['garbage', 'yesterday'],
    ['a date that does not exist', '2026-02-30T10:00:00Z'],
    ['a leap day of a common year', '2026-02-29T10:00:00Z'],
    ['the empty string', ''],
    ['a date alone', '2026-11-21'],
    ['an hour out of range', '2026-11-21T25:00:00Z'],
    ['hour 24', '2026-11-21T24:00:00Z'],
    ['epoch milliseconds', '1763713800000'],
    ['a fraction without seconds', '2026-11-21T08:30.5Z'],
  ];
  for (const [what, raw] of rejected) {
    test(`rejects ${what}`, () => {
      rejection(raw);
    });
  }
});

describe('parseClientTime: the error', () => {
  test('is invalid input naming lastExecutionDateTime and the expected format', () => {
    const error = rejection('2026-11-21T08:30:00');

    assert.equal(error.kind, 'invalid-input');
    assert.match(error.message, /lastExecutionDateTime/);
    assert.ok(error.message.includes(EXPECTED_TIME_FORMAT));
  });

  test('points at the query parameter', () => {
    const error = rejection('nope');

    assert.deepEqual(
      error.errors?.map((e) => e.path),
      ['/queryStringParameters/lastExecutionDateTime'],
    );
  });

  test('names the field it was asked to read', () => {
    const error = rejection('nope', 'since');

    assert.match(error.message, /^since /);
    assert.equal(error.errors?.[0]?.path, '/queryStringParameters/since');
  });

  test('the expected format quotes an example the parser itself accepts', () => {
    const examples = EXPECTED_TIME_FORMAT.match(/\d{4}-\d{2}-\d{2}T[^\s,]+/g) ?? [];

    assert.ok(examples.length >= 1);
    for (const example of examples) assert.ok(Number.isFinite(parseClientTime(example)), example);
  });
});

describe('isoMs', () => {
  test('renders a fixed-width UTC time with milliseconds', () => {
    assert.equal(isoMs(utc('2026-11-21T08:30:00.000Z') + 7), '2026-11-21T08:30:00.007Z');
  });

  test('sorts as strings in the order of the times', () => {
    const earlier = isoMs(utc('2026-11-21T08:30:09.999Z'));
    const later = isoMs(utc('2026-11-21T08:30:10.000Z'));

    assert.ok(earlier < later);
    assert.equal(earlier.length, later.length);
  });
});

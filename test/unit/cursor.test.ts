import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'vitest';
import { openCursor, signCursor } from '../../functions/domain/cursor.ts';

const SECRET = randomBytes(32);
const BINDING = ['key-1', 'plant-1', 'ORDERS'];
const PAYLOAD = Buffer.from('{"a":"2026-01-01T00:00:00.000Z#A#1","s":null}').toString('base64url');

describe('signed cursors', () => {
  test('a cursor opens to its payload for the binding it was issued for, and stays URL-safe', () => {
    const cursor = signCursor(PAYLOAD, SECRET, BINDING);

    assert.equal(openCursor(cursor, SECRET, BINDING), PAYLOAD);
    assert.match(cursor, /^[A-Za-z0-9_.-]+$/);
  });

  test('another key, facility or stream, another secret, or an altered part opens to null', () => {
    const cursor = signCursor(PAYLOAD, SECRET, BINDING);
    const [payload, mac] = cursor.split('.') as [string, string];

    assert.equal(openCursor(cursor, SECRET, ['key-2', 'plant-1', 'ORDERS']), null);
    assert.equal(openCursor(cursor, SECRET, ['key-1', 'plant-2', 'ORDERS']), null);
    assert.equal(openCursor(cursor, SECRET, ['key-1', 'plant-1', 'RECORDS']), null);
    assert.equal(openCursor(cursor, randomBytes(32), BINDING), null);
    assert.equal(openCursor(`${payload}x.${mac}`, SECRET, BINDING), null);
    assert.equal(openCursor(`${payload}.${mac.slice(0, -2)}`, SECRET, BINDING), null);
  });

  test('the binding is unambiguous: parts cannot be shifted between fields', () => {
    const cursor = signCursor(PAYLOAD, SECRET, ['a', 'b,c', 'ORDERS']);

    assert.equal(openCursor(cursor, SECRET, ['a,b', 'c', 'ORDERS']), null);
  });

  test('text without a MAC is no cursor', () => {
    for (const raw of ['', '.', PAYLOAD, `.${PAYLOAD}`, 'bm9wZQ']) assert.equal(openCursor(raw, SECRET, BINDING), null);
  });
});

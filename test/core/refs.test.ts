import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, decodeIdCursor, encodeCursor, encodeIdCursor } from '../../src/core/cursor.js';
import { isAppError } from '../../src/core/errors.js';
import { isUuid, parseNumericId, parseRef } from '../../src/core/refs.js';

const refusedAs = (field: string) => (error: unknown) => isAppError(error) && error.code === 'VALIDATION_FAILED' && error.field === field;

describe('refs and cursors: one parser each', () => {
  it('reads numeric ids, uuids and refs the same way for every surface', () => {
    assert.equal(parseNumericId('42'), 42);
    assert.equal(parseNumericId('007'), 7);
    assert.equal(parseNumericId('999999999999999'), 999_999_999_999_999);
    for (const text of ['', '-1', '1.5', '1e3', ' 1', '0x10', '1234567890123456', 'ann@example.com']) assert.equal(parseNumericId(text), undefined, text);
    assert.equal(isUuid('6F1C2A5E-0D1B-4C53-9A8E-2F7D1B3C4D5E'), true);
    assert.equal(isUuid('6f1c2a5e-0d1b-4c53-9a8e-2f7d1b3c4d5'), false);
    assert.equal(parseRef('17'), 17);
    assert.equal(parseRef('6f1c2a5e-0d1b-4c53-9a8e-2f7d1b3c4d5e'), '6f1c2a5e-0d1b-4c53-9a8e-2f7d1b3c4d5e');
  });

  it('gives back the position a cursor holds, and refuses any other text naming its parameter', () => {
    assert.deepEqual(decodeCursor(encodeCursor([1_700_000_000_000, 42]), 2), [1_700_000_000_000, 42]);
    assert.equal(decodeCursor(undefined, 1), undefined);
    assert.throws(() => decodeCursor(encodeCursor([1, 2]), 1), refusedAs('cursor'));
    assert.throws(() => decodeCursor('not-a-cursor', 1), refusedAs('cursor'));
    assert.throws(() => decodeCursor(Buffer.from('[-1]').toString('base64url'), 1, { field: 'page_token' }), refusedAs('page_token'));
    assert.equal(decodeIdCursor(encodeIdCursor(1234)), 1234);
    assert.throws(() => decodeIdCursor('0'), refusedAs('cursor'));
    assert.throws(() => decodeIdCursor(encodeCursor([5])), refusedAs('cursor'));
  });
});

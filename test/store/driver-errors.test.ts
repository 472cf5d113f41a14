import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/core/errors.js';
import { translateDriverError } from '../../src/store/errors.js';

const driverError = (code: string) => Object.assign(new Error(`driver says: value 'alice@example.com' ${code}`), { code });

describe('driver errors', () => {
  it('turns a busy or locked database (plain and extended codes, both engines) into a CONFLICT without the driver message', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE', '40001', '40P01']) {
      const translated = translateDriverError(driverError(code));
      assert.ok(isAppError(translated) && translated.code === 'CONFLICT', code);
      assert.doesNotMatch(translated.message, /alice/);
    }
  });

  it('maps unique and foreign-key violations, and leaves other errors as they are', () => {
    const unique = translateDriverError(driverError('SQLITE_CONSTRAINT_UNIQUE'));
    assert.ok(isAppError(unique) && unique.code === 'ALREADY_EXISTS');
    const foreign = translateDriverError(driverError('23503'));
    assert.ok(isAppError(foreign) && foreign.code === 'CONFLICT');
    const other = driverError('SQLITE_IOERR');
    assert.equal(translateDriverError(other), other);
  });
});

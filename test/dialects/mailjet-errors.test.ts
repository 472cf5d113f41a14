import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, ERROR_CODES } from '../../src/core/errors.js';
import { AUTH_FAILURE, mailjetBodyOf } from '../../src/http/dialects/mailjet/errors.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

describe('Mailjet error bodies', () => {
  it('gives every core error code a Mailjet status and body, without internals', () => {
    const expected: Record<string, number> = {
      VALIDATION_FAILED: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      NOT_ALLOWED: 405,
      ALREADY_EXISTS: 400,
      CONFLICT: 400,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 400,
      RATE_LIMITED: 429,
      INTERNAL: 500,
    };
    for (const code of ERROR_CODES) {
      const { status, body } = mailjetBodyOf(new AppError(code, 'secret driver detail: relation "contacts"', { cause: new Error('boom') }), 'req-1');
      assert.equal(status, expected[code], code);
      assert.equal(body.StatusCode, status);
      assert.equal(body.ErrorInfo, '');
      if (['UNAUTHENTICATED', 'INTERNAL'].includes(code)) assert.equal(body.ErrorIdentifier, 'req-1');
      else assert.equal(body.ErrorIdentifier, undefined);
    }
    assert.deepEqual(mailjetBodyOf(new AppError('INTERNAL', 'driver said x'), 'r').body, { ErrorIdentifier: 'r', ErrorInfo: '', ErrorMessage: 'Internal Server Error', StatusCode: 500 });
    assert.deepEqual(mailjetBodyOf(new AppError('UNAUTHENTICATED', 'x'), 'r').body, { ErrorIdentifier: 'r', ErrorInfo: '', ErrorMessage: AUTH_FAILURE, StatusCode: 401 });
    assert.deepEqual(mailjetBodyOf(new AppError('NOT_FOUND', 'contact not found'), 'r').body, { ErrorInfo: '', ErrorMessage: 'Object not found', StatusCode: 404 });
    const limited = mailjetBodyOf(new AppError('RATE_LIMITED', 'slow down'), 'r');
    assert.equal(limited.status, 429);
    assert.match(String(limited.body.ErrorMessage), /limit/i);
  });

  it('names fields as Mailjet clients know them', () => {
    const { body } = mailjetBodyOf(new AppError('VALIDATION_FAILED', 'email is not a valid email address', { field: 'email' }), 'r');
    assert.equal(body.ErrorMessage, 'Email is not a valid email address');
  });
});

describe('Mailjet routes in the OpenAPI document', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp('sqlite');
  });
  after(async () => t.close());

  it('documents every /v3/REST and /v4 route under the "Mailjet" tag, with Basic auth', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    const expected = [
      'post /v3/REST/contact',
      'get /v3/REST/contact',
      'get /v3/REST/contact/{contact}',
      'put /v3/REST/contact/{contact}',
      'delete /v3/REST/contact/{contact}',
      'post /v3/REST/contactslist',
      'get /v3/REST/contactslist',
      'get /v3/REST/contactslist/{id}',
      'post /v3/REST/contact/{contact}/managecontactslists',
      'get /v3/REST/contact/{contact}/getcontactslists',
      'delete /v4/contacts/{id}',
      'delete /v4/REST/contacts/{id}',
    ];
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v3/REST/') || path.startsWith('/v4/'))
      .flatMap(([path, ops]) => Object.entries(ops).filter(([method]) => method !== 'head').map(([method, op]) => ({ key: `${method} ${path}`, op })));
    assert.deepEqual(documented.map((d) => d.key).sort(), [...expected].sort());
    for (const { key, op } of documented) {
      assert.deepEqual(op.tags, ['Mailjet'], key);
      assert.ok(op.summary && op.summary.length > 10, key);
      assert.deepEqual(op.security, [{ basic: [] }], key);
    }
    assert.equal(doc.components.securitySchemes.basic?.scheme, 'basic');
  });
});

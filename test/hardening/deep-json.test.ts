import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { overBudget } from '../../src/http/json-budget.js';
import { MAX_JSON_DEPTH } from '../../src/http/json-parser.js';

const jsonDepthExceeds = (text: string, max: number): boolean => overBudget(text, { depth: max })?.what === 'depth';
import { countRows, createKey } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { basicHeader } from '../helpers/mailjet.js';
import { MAILJET, NATIVE, SENDGRID } from '../conformance/surfaces.js';
import type { ConformanceEntry } from '../conformance/surfaces.js';

// Issue 19 item 5: deeply nested JSON overflowed the stack (imports) or broke Mailjet's
// error rendering (a 500 in Fastify's shape). The body parser refuses nesting deeper than
// MAX_JSON_DEPTH with a 400 in each surface's shape.
const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('the depth budget of a JSON body', () => {
  it('counts brackets outside strings only', () => {
    assert.equal(jsonDepthExceeds(nested(32), 32), false);
    assert.equal(jsonDepthExceeds(nested(33), 32), true);
    assert.equal(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[' }), 2), false);
    assert.equal(jsonDepthExceeds(JSON.stringify({ s: 'a"[[[\\', t: [[[1]]] }), 3), true);
    assert.equal(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[' }), 2), false);
    assert.equal(jsonDepthExceeds('{"a": "unterminated [[[[', 2), false);
  });
});

for (const engine of ENGINES) {
  describe(`deeply nested JSON bodies (${engine})`, () => {
    let t: TestApp;
    let mailjet: Record<string, string>;
    before(async () => {
      t = await buildTestApp(engine);
      const key = await createKey(t, ['read', 'write', 'erase']);
      const [, id = '', secret = ''] = /^lethe_([0-9a-f]+)_([0-9a-f]+)$/.exec(key) ?? [];
      mailjet = basicHeader(id, secret);
    });
    after(() => t.close());

    const send = (surface: 'native' | 'sendgrid' | 'mailjet', method: 'POST' | 'PUT', url: string, payload: string) =>
      t.app.inject({ method, url, headers: { ...(surface === 'mailjet' ? mailjet : t.auth()), 'content-type': 'application/json' }, payload });

    const cases: Array<[ConformanceEntry, 'native' | 'sendgrid' | 'mailjet', 'POST' | 'PUT', string, (depth: number) => string]> = [
      [NATIVE, 'native', 'POST', '/v1/contacts', (d) => `{"email":"a@example.com","custom_fields":${nestedObject(d)}}`],
      [NATIVE, 'native', 'POST', '/v1/imports', (d) => `{"contacts":[{"email":"a@example.com","custom_fields":${nested(d)}}]}`],
      [NATIVE, 'native', 'POST', '/v1/operations', (d) => `{"action":"erase","selector":{"emails":${nested(d, '"a@example.com"')}}}`],
      [NATIVE, 'native', 'POST', '/v1/events', (d) => nested(d)],
      [SENDGRID, 'sendgrid', 'PUT', '/v3/marketing/contacts', (d) => `{"contacts":[{"email":"a@example.com","custom_fields":${nestedObject(d)}}]}`],
      [SENDGRID, 'sendgrid', 'POST', '/v3/recipients/erasejob', (d) => `{"email_addresses":${nested(d)}}`],
      [MAILJET, 'mailjet', 'POST', '/v3/REST/contact', (d) => `{"Email":"a@example.com","Name":${nested(d)}}`],
      [MAILJET, 'mailjet', 'POST', '/v3/REST/contactslist', (d) => nested(d)],
    ];

    it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels with 400 in each surface's shape, and writes nothing`, async () => {
      const before = { contacts: await countRows(t, 'contacts'), events: await countRows(t, 'events') };
      for (const [entry, surface, method, url, body] of cases) {
        for (const depth of [100_000, 10_000, MAX_JSON_DEPTH + 1]) {
          const res = await send(surface, method, url, body(depth));
          assert.ok(res.statusCode < 500, `${surface} ${url} ${depth}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          entry.assertError(res, 400);
          // A route with a container budget (POST /v1/operations takes 16) may refuse on that count first.
          assert.match(res.body, /nests deeper than 32 levels|more objects and arrays than this route takes/, `${surface} ${url} ${depth}`);
        }
      }
      assert.deepEqual({ contacts: await countRows(t, 'contacts'), events: await countRows(t, 'events') }, before);
    });

    it('lets nesting up to the limit through to validation', async () => {
      // Within the limit, the body reaches the route's own checks: a 400 for the wrong type, not for the depth.
      for (const [entry, surface, method, url, body] of cases) {
        const res = await send(surface, method, url, body(MAX_JSON_DEPTH - 4));
        assert.ok(res.statusCode < 500, `${surface} ${url}: ${res.statusCode} ${res.body}`);
        assert.doesNotMatch(res.body, /nests deeper/);
        if (res.statusCode >= 400) entry.assertError(res, res.statusCode);
      }
    });
  });
}

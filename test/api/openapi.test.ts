import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

interface Operation {
  summary?: string;
}

/**
 * Every registered route with its methods, read from Fastify's own route tree
 * (`printRoutes({ commonPrefix: false })`, one node per line, indented by depth).
 */
function registeredRoutes(tree: string): Array<{ path: string; methods: string[] }> {
  const routes: Array<{ path: string; methods: string[] }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (depth > 0 ? stack[depth - 1] ?? '' : '') + (match[2] ?? '');
    stack[depth] = path;
    stack.length = depth + 1;
    routes.push({ path, methods: (match[3] ?? '').split(',').map((m) => m.trim()) });
  }
  return routes;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  before(async () => {
    // The document does not depend on the engine.
    t = await buildTestApp('sqlite');
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(async () => t.close());

  it('documents every /v1 route with a summary', () => {
    const routes = registeredRoutes(t.app.printRoutes({ commonPrefix: false })).filter((r) => r.path.startsWith('/v1/'));
    const operations = routes.flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: r.path })));
    assert.ok(operations.length >= 20, `the route tree was read (${operations.length} operations)`);
    for (const expected of ['POST /v1/contacts', 'PUT /v1/contacts', 'POST /v1/contacts/lookup', 'GET /v1/contacts/:id/events', 'DELETE /v1/lists/:id/members', 'POST /v1/events']) {
      assert.ok(operations.some((o) => `${o.method} ${o.path}` === expected), `${expected} is registered`);
    }
    const missing: string[] = [];
    for (const { method, path } of operations) {
      const documented = doc.paths[path.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[method.toLowerCase()];
      if (!documented?.summary) missing.push(`${method} ${path}`);
    }
    assert.deepEqual(missing, [], 'routes missing from /openapi.json or without a summary');
  });

  it('is a valid OpenAPI 3 document', async () => {
    assert.match(doc.openapi, /^3\./);
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors ?? [], null, 1).slice(0, 2000));
  });
});

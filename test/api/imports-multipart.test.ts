import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, countRows } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

const BOUNDARY = '----lethe-test-boundary';

/** A multipart/form-data body as a browser or `curl -F` sends it. */
function formData(parts: Array<{ name: string; filename?: string; type?: string; content: string }>): string {
  const lines: string[] = [];
  for (const part of parts) {
    lines.push(`--${BOUNDARY}`);
    lines.push(`Content-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`);
    if (part.type) lines.push(`Content-Type: ${part.type}`);
    lines.push('', part.content);
  }
  lines.push(`--${BOUNDARY}--`, '');
  return lines.join('\r\n');
}

for (const engine of ENGINES) {
  describe(`CSV imports uploaded as multipart/form-data [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    const upload = (payload: string, query = '') =>
      t.app.inject({ method: 'POST', url: `/v1/imports${query}`, headers: { ...t.auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload });
    const operations = async () => Number((await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('imports the uploaded file as a CSV body, with the options in the query', async () => {
      const list = (await c.post('/v1/lists', { name: 'uploads' })).json() as { id: number };
      const csv = 'email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n';
      const res = await upload(formData([{ name: 'file', filename: 'contacts.csv', type: 'text/csv', content: csv }]), `?list_ids=${list.id}`);
      assert.equal(res.statusCode, 202, res.body);
      await drainOperations(t, { schedule: false });
      const imp = (await c.get(`/v1/imports/${res.json().id}`)).json() as { created: number; invalid: number; outcome: string };
      assert.deepEqual([imp.created, imp.invalid, imp.outcome], [2, 0, 'completed']);
      const found = (await c.post('/v1/contacts/lookup', { emails: ['ann@example.com', 'bob@example.com'] })).json().data as Array<{ first_name: string; list_ids: number[] }>;
      assert.deepEqual(found.map((f) => [f.first_name, f.list_ids]), [['Ann', [list.id]], ['Bob', [list.id]]]);
    });

    it('refuses an upload without a file, or with other fields, and stores nothing', async () => {
      const before = [await operations(), await countRows(t, 'contacts')];
      const noFile = await upload(formData([]));
      assert.equal(noFile.statusCode, 400, noFile.body);
      const withField = await upload(formData([{ name: 'match_by', content: 'email' }, { name: 'file', filename: 'c.csv', content: 'email\ncy@example.com\n' }]));
      assert.equal(withField.statusCode, 400, withField.body);
      assert.match(withField.json().detail, /query/);
      const twoFiles = await upload(formData([{ name: 'a', filename: 'a.csv', content: 'email\nd@example.com\n' }, { name: 'b', filename: 'b.csv', content: 'email\ne@example.com\n' }]));
      assert.ok(twoFiles.statusCode >= 400 && twoFiles.statusCode < 500, twoFiles.body);
      const notCsv = await upload(formData([{ name: 'file', filename: 'x.csv', content: 'first_name\nNo Email\n' }]));
      assert.equal(notCsv.statusCode, 400, notCsv.body);
      assert.deepEqual([await operations(), await countRows(t, 'contacts')], before, 'nothing stored');
    });

    it('refuses a file past the import body limit with 413', async () => {
      const small = await buildTestApp(engine, { config: { importBodyLimit: 4096 } });
      try {
        const big = `email\n${Array.from({ length: 400 }, (_, i) => `person.${i}@example.com`).join('\n')}\n`;
        const res = await small.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...small.auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload: formData([{ name: 'file', filename: 'big.csv', content: big }]) });
        assert.equal(res.statusCode, 413, res.body);
        assert.equal(await countRows(small, 'contacts'), 0);
      } finally {
        await small.close();
      }
    });
  });
}

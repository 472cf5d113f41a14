import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

for (const engine of ENGINES) {
  describe(`operations carry a label and show their outcome [${engine}]`, () => {
    let t: TestApp;
    let admin: Api;
    before(async () => {
      t = await buildTestApp(engine);
      admin = api(t);
    });
    after(async () => t.close());

    it('takes label (a ticket reference) and shows it on the operation, in listings and on the receipt', async () => {
      await createContact(admin, { email: 'ann@example.com' });
      const res = await admin.post('/v1/operations', { action: 'erase', selector: { emails: ['ann@example.com', 'not-an-address'] }, label: 'JIRA-123' });
      assert.equal(res.statusCode, 202, res.body);
      const op = res.json() as { id: number; label: string; outcome: string; requested_by: { operator: string | null } };
      assert.equal(op.label, 'JIRA-123');
      assert.equal(op.outcome, 'pending');
      assert.equal(op.requested_by.operator, null, 'a key, not a person at the CLI');
      await drainOperations(t, { schedule: false });
      const done = (await admin.get(`/v1/operations/${op.id}`)).json() as { state: string; outcome: string; label: string };
      assert.equal(done.state, 'completed');
      assert.equal(done.outcome, 'completed_with_errors', 'one target was invalid');
      const listed = (await admin.get('/v1/operations')).json() as { data: Array<{ id: number; label: string }> };
      assert.equal(listed.data.find((o) => o.id === op.id)?.label, 'JIRA-123');
      const receipt = (await admin.get(`/v1/operations/${op.id}/receipt`)).json() as { operation: { label: string; outcome: string } };
      assert.deepEqual([receipt.operation.label, receipt.operation.outcome], ['JIRA-123', 'completed_with_errors']);
    });

    it('refuses a label that is empty or over 100 characters, creating nothing', async () => {
      const before = ((await admin.get('/v1/operations')).json() as { data: unknown[] }).data.length;
      for (const label of ['', 'x'.repeat(101)]) {
        const res = await admin.post('/v1/operations', { action: 'erase', selector: { emails: ['ann@example.com'] }, label });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.body, /label/);
      }
      assert.equal(((await admin.get('/v1/operations')).json() as { data: unknown[] }).data.length, before);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, countRows, createContact, createKey } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

interface Result {
  id: number;
  uuid: string;
  status: string;
  changed: boolean;
  operation_id: number | null;
  contact: { email: string | null; status: string; list_ids: number[] } | null;
}

for (const engine of ENGINES) {
  describe(`single-contact actions in /v1 [${engine}]`, () => {
    let t: TestApp;
    let admin: Api;
    let listId: number;
    before(async () => {
      t = await buildTestApp(engine);
      admin = api(t);
      const list = await admin.post('/v1/lists', { name: 'newsletter' });
      assert.equal(list.statusCode, 201, list.body);
      listId = (list.json() as { id: number }).id;
    });
    after(async () => t.close());

    const auditActions = async () => ((await admin.get('/v1/audit?limit=1000')).json() as { data: Array<{ action: string; subject_type: string | null; subject_id: string | null; actor_key_id: string | null }> }).data;

    it('soft-deletes with DELETE, restores, and is idempotent, each change audited and recorded as an operation', async () => {
      const deleter = api(t, t.auth(await createKey(t, ['read', 'delete'])));
      const c = await createContact(admin, { email: 'ann@example.com', first_name: 'Ann', list_ids: [listId] });
      const del = await deleter.delete(`/v1/contacts/${c.id}`);
      assert.equal(del.statusCode, 200, del.body);
      const deleted = del.json() as Result;
      assert.equal(deleted.status, 'deleted');
      assert.equal(deleted.changed, true);
      assert.equal(deleted.contact?.email, 'ann@example.com', 'a soft delete keeps the data');
      assert.deepEqual(deleted.contact?.list_ids, []);
      assert.equal(((await admin.get(`/v1/contacts/${c.id}`)).json() as { status: string }).status, 'deleted');

      const again = (await deleter.delete(`/v1/contacts/${c.id}`)).json() as Result;
      assert.equal(again.changed, false);
      assert.equal(again.operation_id, null);

      const op = await admin.get(`/v1/operations/${deleted.operation_id}`);
      assert.equal(op.statusCode, 200);
      const opBody = op.json() as { action: string; state: string; counts: { succeeded: number } };
      assert.equal(opBody.action, 'soft_delete');
      assert.equal(opBody.state, 'completed');
      assert.equal(opBody.counts.succeeded, 1);

      const restored = (await deleter.post(`/v1/contacts/${c.id}/restore`, { label: 'TICKET-17' })).json() as Result;
      assert.equal(restored.status, 'active');
      assert.equal(restored.changed, true);
      const receipt = await admin.get(`/v1/operations/${restored.operation_id}/receipt`);
      assert.equal(receipt.statusCode, 200, receipt.body);
      assert.equal((receipt.json() as { operation: { label: string } }).operation.label, 'TICKET-17');

      const entries = await auditActions();
      const mine = entries.filter((e) => e.subject_type === 'contact' && e.subject_id === String(c.id));
      assert.deepEqual(mine.map((e) => e.action), ['contact.deleted', 'contact.restored']);
      assert.ok(mine.every((e) => e.actor_key_id !== null), 'the key is recorded');
    });

    it('erases with POST /erase (scope erase): data gone, the shell answered, storage scrubbed by the worker; then no restore', async () => {
      const c = await createContact(admin, { email: 'bob@example.com', first_name: 'Bob' });
      const deleteOnly = api(t, t.auth(await createKey(t, ['read', 'delete'])));
      const refused = await deleteOnly.post(`/v1/contacts/${c.id}/erase`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(((await admin.get(`/v1/contacts/${c.id}`)).json() as { email: string }).email, 'bob@example.com', 'a refused erase changes nothing');

      const res = await admin.post(`/v1/contacts/${c.id}/erase`);
      assert.equal(res.statusCode, 200, res.body);
      const erased = res.json() as Result;
      assert.equal(erased.status, 'erased');
      assert.equal(erased.contact?.email, null);
      assert.equal(erased.uuid, c.uuid);
      await drainOperations(t, { schedule: false });
      assert.equal(((await admin.get(`/v1/operations/${erased.operation_id}`)).json() as { state: string }).state, 'completed');
      assert.equal((await admin.post(`/v1/contacts/${c.id}/erase`)).json().changed, false, 'erasing again changes nothing');

      const restore = await admin.post(`/v1/contacts/${c.id}/restore`);
      assert.equal(restore.statusCode, 409, restore.body);
      assert.match(restore.json().detail, /erased contact cannot be restored/);
      assert.equal((await admin.delete(`/v1/contacts/${c.id}`)).statusCode, 409);
    });

    it('purges with POST /purge: rows gone, 404 afterwards', async () => {
      const c = await createContact(admin, { email: 'cy@example.com' });
      const before = await countRows(t, 'contacts');
      const res = await admin.post(`/v1/contacts/${c.id}/purge`, {});
      assert.equal(res.statusCode, 200, res.body);
      const purged = res.json() as Result;
      assert.equal(purged.status, 'purged');
      assert.equal(purged.contact, null);
      assert.equal(purged.uuid, c.uuid);
      assert.equal(await countRows(t, 'contacts'), before - 1);
      assert.equal((await admin.get(`/v1/contacts/${c.id}`)).statusCode, 404);
      assert.equal((await admin.post(`/v1/contacts/${c.id}/purge`)).statusCode, 404);
      assert.ok((await auditActions()).some((e) => e.action === 'contact.purged' && e.subject_id === String(c.id)));
    });

    it('refuses bad input and other scopes with nothing changed', async () => {
      const c = await createContact(admin, { email: 'dee@example.com' });
      const writer = api(t, t.auth(await createKey(t, ['read', 'write'])));
      assert.equal((await writer.delete(`/v1/contacts/${c.id}`)).statusCode, 403);
      const deleter = api(t, t.auth(await createKey(t, ['delete'])));
      assert.equal((await deleter.post(`/v1/contacts/${c.id}/purge`)).statusCode, 403);
      const long = await admin.delete(`/v1/contacts/${c.id}`, { label: 'x'.repeat(101) });
      assert.equal(long.statusCode, 400, long.body);
      const unknown = await admin.delete(`/v1/contacts/${c.id}`, { reason: 'x' });
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.equal((await admin.delete('/v1/contacts/999999')).statusCode, 404);
      assert.equal(((await admin.get(`/v1/contacts/${c.id}`)).json() as { status: string }).status, 'active');
    });
  });
}

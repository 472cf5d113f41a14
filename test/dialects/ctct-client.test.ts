import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BulkActivitiesApi, Configuration, ContactListsApi, ContactsApi } from 'ctct-api-client';
import { api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

interface ClientError {
  response?: { status: number; data: unknown };
}

/** The client's rejection for a failed request: its status, and Constant Contact's error array. */
async function failure(promise: Promise<unknown>, status: number): Promise<Array<{ error_key: string; error_message: string }>> {
  try {
    await promise;
  } catch (error) {
    const e = error as ClientError;
    assert.equal(e.response?.status, status, JSON.stringify(e.response?.data));
    const body = e.response?.data as Array<{ error_key: string; error_message: string }>;
    assert.ok(Array.isArray(body) && body.length > 0, JSON.stringify(body));
    for (const item of body) {
      assert.equal(typeof item.error_key, 'string');
      assert.equal(typeof item.error_message, 'string');
    }
    return body;
  }
  assert.fail(`expected ${status}`);
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v3`;
}

for (const engine of ENGINES) {
  describe(`Constant Contact's official client against Lethe [${engine}]`, () => {
    let t: TestApp;
    let contacts: ContactsApi;
    let activities: BulkActivitiesApi;
    let lists: ContactListsApi;
    before(async () => {
      // A generous per-second limit: the test clock stands still, so every request falls in one second.
      t = await buildTestApp(engine, { config: { ctctRatePerSecond: 1_000_000 } });
      const configuration = new Configuration({ accessToken: t.adminKey, basePath: await listen(t) });
      contacts = new ContactsApi(configuration);
      activities = new BulkActivitiesApi(configuration);
      lists = new ContactListsApi(configuration);
    });
    after(async () => t.close());

    it('creates, deletes (204), finds as deleted, revives with PUT, bulk-deletes with an activity polled to completed', async () => {
      const list = (await lists.createList({ name: 'Newsletter', favorite: false, description: 'weekly' })).data;
      assert.match(String(list.list_id), /^[0-9a-f-]{36}$/);

      const created = await contacts.createContact({
        email_address: { address: 'Ann.Lee@example.com', permission_to_send: 'implicit' },
        first_name: 'Ann',
        last_name: 'Lee',
        job_title: 'Editor',
        create_source: 'Account',
        list_memberships: [String(list.list_id)],
      });
      assert.equal(created.status, 201);
      const id = String(created.data.contact_id);
      assert.equal(created.data.email_address?.address, 'Ann.Lee@example.com');
      assert.deepEqual(created.data.list_memberships, [list.list_id]);
      assert.equal(created.data.job_title, 'Editor');

      // The address is taken, in any case: 409.
      await failure(contacts.createContact({ email_address: { address: 'ann.lee@example.com' }, create_source: 'Account' }), 409);

      // Soft delete: 204, deleted with a date-only deleted_at, off its lists, not unsubscribed.
      const deleted = await contacts.deleteContact(id);
      assert.equal(deleted.status, 204);
      const shown = (await contacts.getContactById(id, 'list_memberships')).data;
      assert.match(String(shown.deleted_at), /^\d{4}-\d{2}-\d{2}$/);
      assert.deepEqual(shown.list_memberships, []);
      assert.equal(shown.email_address?.permission_to_send, 'implicit');
      assert.equal(shown.first_name, 'Ann');

      // Listed only with status=deleted (or all); the default listing leaves it out.
      assert.deepEqual((await contacts.getAllContacts()).data.contacts, []);
      const found = (await contacts.getAllContacts('deleted', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, true)).data;
      assert.deepEqual(found.contacts?.map((c) => c.contact_id), [id]);
      assert.equal(found.contacts_count, 1);
      // Re-creating a deleted contact's address is a conflict too.
      await failure(contacts.createContact({ email_address: { address: 'ann.lee@example.com' }, create_source: 'Contact' }), 409);

      // Still a deleted contact through /v1, with its data.
      const native = await api(t).get(`/v1/contacts/by-uuid/${id}`);
      assert.equal(native.statusCode, 200, native.body);
      assert.equal(native.json().status, 'deleted');
      assert.equal(native.json().email, 'Ann.Lee@example.com');

      // PUT revives it onto the lists it names; omitted top-level fields are cleared.
      const revived = await contacts.updateContact(id, {
        email_address: { address: 'Ann.Lee@example.com', permission_to_send: 'explicit' },
        first_name: 'Ann',
        update_source: 'Contact',
        list_memberships: [String(list.list_id)],
      });
      assert.equal(revived.status, 200);
      assert.equal(revived.data.deleted_at, undefined);
      assert.equal(revived.data.last_name, undefined);
      assert.equal(revived.data.job_title, undefined);
      assert.equal(revived.data.update_source, 'Contact');
      assert.equal(revived.data.email_address?.permission_to_send, 'explicit');
      assert.deepEqual(revived.data.list_memberships, [list.list_id]);
      assert.equal((await api(t).get(`/v1/contacts/by-uuid/${id}`)).json().status, 'active');
      assert.deepEqual((await contacts.getAllContacts()).data.contacts?.map((c) => c.contact_id), [id]);

      // Bulk delete as an activity: 201 initialized, then polled to completed.
      const activity = await activities.createDeleteActivity({ contact_ids: [id] });
      assert.equal(activity.status, 201);
      assert.equal(activity.data.state, 'initialized');
      assert.equal(activity.data.percent_done, 0);
      assert.deepEqual(activity.data._links?.self?.href, `/v3/activities/${activity.data.activity_id}`);
      await drainOperations(t, { schedule: false });
      const polled = (await activities.getActivityById(String(activity.data.activity_id))).data;
      assert.equal(polled.state, 'completed');
      assert.equal(polled.percent_done, 100);
      assert.deepEqual(polled.activity_errors, []);
      assert.equal(polled.status?.items_total_count, 1);
      assert.equal(polled.status?.items_completed_count, 1);
      assert.ok(polled.completed_at);
      const after = (await contacts.getContactById(id, 'list_memberships')).data;
      assert.match(String(after.deleted_at), /^\d{4}-\d{2}-\d{2}$/);
      assert.deepEqual(after.list_memberships, []);
      assert.equal((await api(t).get(`/v1/contacts/by-uuid/${id}`)).json().status, 'deleted');

      // The activity is a Lethe operation, and the account's recent activities list it.
      const op = await api(t).get(`/v1/operations/${activity.data.activity_id}`);
      assert.equal(op.statusCode, 200, op.body);
      assert.equal(op.json().action, 'soft_delete');
      const recent = (await activities.getAllActivities(50, 'completed')).data;
      assert.ok(recent.activities?.some((a) => a.activity_id === activity.data.activity_id));
    });

    it('answers errors in Constant Contact\'s array: unknown contact 404, bad body 400, wrong key 401', async () => {
      await failure(contacts.getContactById('00000000-0000-4000-8000-000000000000'), 404);
      await failure(contacts.deleteContact('not-a-uuid'), 404);
      await failure(contacts.createContact({ first_name: 'No source' } as never), 400);
      const stranger = new ContactsApi(new Configuration({ accessToken: 'lethe_not_a_key', basePath: contacts['basePath'] as string }));
      const [error] = await failure(stranger.getAllContacts(), 401);
      assert.equal(error?.error_key, 'unauthorized');
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Contact } from '../../src/core/contacts/contact.js';
import type { Operation, OperationState } from '../../src/core/operations/operation.js';
import { presentActivity } from '../../src/http/dialects/constant-contact/activities.wire.js';
import { contactInputOf, includesOf, permissionOf, presentContact } from '../../src/http/dialects/constant-contact/contacts.wire.js';
import { ctctBodyOf } from '../../src/http/dialects/constant-contact/errors.js';
import { AppError } from '../../src/core/errors.js';

const contact = (over: Partial<Contact> = {}): Contact => ({
  id: 7, accountId: 1, uuid: '6f1c2a5e-0d1b-4c53-9a8e-2f7d1b3c4d5e', externalKey: null, email: 'Ann@Example.com', firstName: 'Ann', lastName: null, phone: '+4712345678',
  customFields: { plan: 'gold' }, attributes: { job_title: 'Editor', birthday_month: '4', phone_kind: 'mobile', city: 'Oslo' }, createSource: 'Account', updateSource: 'native',
  optInStatus: 'explicit', optInAt: null, optInSource: null, optInIp: null, excludedFromCampaigns: false, unsubscribedAt: null, unsubscribeSource: null, unsubscribeReason: null,
  placeholderEmail: null, status: 'active', createdAt: Date.UTC(2026, 0, 2), updatedAt: Date.UTC(2026, 0, 3), deletedAt: null, erasedAt: null, purgeAt: null, listIds: [3, 4], ...over,
});

const counts = { expected: 4, processed: 2, succeeded: 2, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 };
const operation = (over: Partial<Operation> = {}): Operation => ({
  id: 1, uuid: '2b0b6c1e-5a0e-4f43-8d5c-3b1f0e6c7a9d', accountId: 1, parentId: null, kind: 'operation', action: 'soft_delete', label: null, selectorKind: 'uuids', selectorSize: 4,
  dryRun: false, state: 'processing', counts, createdAt: Date.UTC(2026, 0, 1), startedAt: Date.UTC(2026, 0, 1, 0, 0, 1), finishedAt: null,
  ratePerSecond: null, etaSeconds: null, via: 'constant-contact', requestedByKeyId: null, error: null, children: [], params: {}, scrubbedAt: null, cancelRequestedAt: null, chunksTotal: 1, chunksDone: 0, attempts: 0, ...over,
});

describe('Constant Contact wire mapping', () => {
  it('shows a contact with only the sub-resources asked for; a deleted one with a date-only deleted_at', () => {
    const bare = presentContact(contact(), new Set(), new Map());
    assert.equal(bare.contact_id, contact().uuid);
    assert.equal(bare.email_address?.permission_to_send, 'explicit');
    assert.equal(bare.job_title, 'Editor');
    assert.equal(bare.birthday_month, 4);
    assert.equal(bare.update_source, 'Account', 'a source Constant Contact does not know shows as Account');
    assert.equal(bare.list_memberships, undefined);
    assert.equal(bare.deleted_at, undefined);
    const full = presentContact(contact({ status: 'deleted', deletedAt: Date.UTC(2026, 2, 17, 23, 59), listIds: [3] }), includesOf('list_memberships,phone_numbers,street_addresses,custom_fields,taggings'), new Map([[3, 'list-3']]));
    assert.equal(full.deleted_at, '2026-03-17');
    assert.deepEqual(full.list_memberships, ['list-3']);
    assert.deepEqual(full.phone_numbers, [{ phone_number: '+4712345678', kind: 'mobile' }]);
    assert.deepEqual(full.street_addresses, [{ city: 'Oslo' }]);
    assert.deepEqual(full.custom_fields, [{ custom_field_id: 'plan', value: 'gold' }]);
    assert.deepEqual(full.taggings, []);
    assert.throws(() => includesOf('list_memberships,everything'), /include/);
  });

  it('shows unsubscribed for an unsubscribed contact, implicit for an opt-in status it does not know', () => {
    assert.equal(permissionOf(contact({ unsubscribedAt: 1 })), 'unsubscribed');
    assert.equal(permissionOf(contact({ optInStatus: 'double-opt-in' })), 'implicit');
  });

  it('turns a PUT into a replacement: omitted top-level fields cleared, omitted sub-resources kept, sent ones replacing', () => {
    const input = contactInputOf({ email_address: { address: 'a@example.com' }, custom_fields: [{ custom_field_id: 'tier', value: '2' }] }, 'replace', 1000, contact());
    assert.equal(input.email, 'a@example.com');
    assert.equal(input.firstName, null);
    assert.equal(input.lastName, null);
    assert.deepEqual(input.customFields, { plan: null, tier: '2' });
    assert.equal(input.phone, undefined, 'phone_numbers not sent: the phone stays');
    assert.equal(input.attributes?.job_title, null);
    assert.equal(input.attributes?.city, undefined, 'street_addresses not sent: the address stays');
    assert.equal(input.optInStatus, undefined, 'a PUT naming no permission keeps the consent on record');
    assert.equal(contactInputOf({ email_address: { address: 'a@example.com', permission_to_send: 'explicit' } }, 'replace', 1000, contact()).optInStatus, 'explicit');
    const created = contactInputOf({ email_address: { address: 'b@example.com', permission_to_send: 'unsubscribed' }, first_name: 'B' }, 'create', 1000);
    assert.equal(created.lastName, undefined, 'a create leaves omitted fields unset');
    assert.equal(created.unsubscribedAt, 1000);
    assert.equal(created.unsubscribeSource, 'Account');
  });

  it('maps each operation state to an activity state, with percent done and counts', () => {
    const cases: Array<[OperationState, Partial<Operation>, string]> = [
      ['queued', { startedAt: null }, 'initialized'],
      ['processing', {}, 'processing'],
      ['completed', { finishedAt: Date.UTC(2026, 0, 1, 0, 0, 5) }, 'completed'],
      ['failed', { finishedAt: Date.UTC(2026, 0, 1, 0, 0, 5), error: { code: 'INTERNAL', message: 'the operation failed' } }, 'failed'],
      ['canceled', { finishedAt: Date.UTC(2026, 0, 1, 0, 0, 5) }, 'cancelled'],
    ];
    for (const [state, over, expected] of cases) assert.equal(presentActivity(operation({ state, ...over })).state, expected, state);
    const running = presentActivity(operation());
    assert.equal(running.percent_done, 50);
    assert.deepEqual(running.status, { items_total_count: 4, items_completed_count: 2, error_count: 0 });
    assert.equal(running._links.self.href, `/v3/activities/${operation().uuid}`);
    const withErrors = presentActivity(operation({ state: 'completed', finishedAt: 5, counts: { ...counts, processed: 4, notFound: 1, invalid: 1 }, params: { listIds: [1, 2] } }));
    assert.equal(withErrors.state, 'completed');
    assert.equal(withErrors.percent_done, 100);
    assert.deepEqual(withErrors.activity_errors, ['1 item(s) are not contact ids', '1 contact(s) were not found']);
    assert.equal(withErrors.status.list_count, 2);
  });

  it('renders errors as Constant Contact\'s array with its keys', () => {
    assert.deepEqual(ctctBodyOf(new AppError('UNAUTHENTICATED', 'the API key is missing')), { status: 401, body: [{ error_key: 'unauthorized', error_message: 'Unauthorized' }] });
    assert.deepEqual(ctctBodyOf(new AppError('ALREADY_EXISTS', 'a contact with this email already exists', { field: 'email' })).status, 409);
    const invalid = ctctBodyOf(new AppError('VALIDATION_FAILED', 'email is not valid', { details: [{ field: 'email', message: 'email is not valid' }, { field: 'x', message: 'x is bad' }] }));
    assert.deepEqual(invalid.body, [
      { error_key: 'contacts.api.validation.error', error_message: 'email_address.address is not valid' },
      { error_key: 'contacts.api.validation.error', error_message: 'x is bad' },
    ]);
    assert.deepEqual(ctctBodyOf(new AppError('INTERNAL', 'driver said: duplicate key value (email)=(a@b.c)')).body, [{ error_key: 'server_error', error_message: 'Internal Server Error' }]);
  });
});

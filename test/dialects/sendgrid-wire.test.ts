import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Contact } from '../../src/core/contacts/contact.js';
import type { Operation } from '../../src/core/operations/operation.js';
import { importRowOf, presentContact } from '../../src/http/dialects/sendgrid/contacts.wire.js';
import { jobStatusOf, presentContactJob, presentEraseJob } from '../../src/http/dialects/sendgrid/jobs.wire.js';
import { commaList } from '../../src/http/dialects/sendgrid/present.js';
import { isUuid } from '../../src/core/refs.js';
import { sendgridScopesOf } from '../../src/http/dialects/sendgrid/scopes.js';

const contact = (over: Partial<Contact> = {}): Contact => ({
  id: 7, accountId: 1, uuid: '6f1c2a5e-0d1b-4c53-9a8e-2f7d1b3c4d5e', externalKey: 'crm-7', email: 'Ann@Example.com', firstName: 'Ann', lastName: null, phone: '+4712345678',
  customFields: { w1: 'coffee' }, attributes: { city: 'Oslo', alternate_emails: 'a@example.com,b@example.com' }, createSource: 'sendgrid', updateSource: 'sendgrid',
  optInStatus: null, optInAt: null, optInSource: null, optInIp: null, excludedFromCampaigns: false, unsubscribedAt: null, unsubscribeSource: null, unsubscribeReason: null,
  placeholderEmail: null, status: 'active', createdAt: Date.UTC(2026, 0, 2), updatedAt: Date.UTC(2026, 0, 3), deletedAt: null, erasedAt: null, purgeAt: null, listIds: [3, 4], ...over,
});

const counts = { expected: 0, processed: 0, succeeded: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 };
const operation = (over: Partial<Operation> = {}): Operation => ({
  id: 1, uuid: '2b0b6c1e-5a0e-4f43-8d5c-3b1f0e6c7a9d', accountId: 1, parentId: null, kind: 'operation', action: 'purge', label: null, selectorKind: 'uuids', selectorSize: 2,
  dryRun: false, state: 'completed', counts, createdAt: Date.UTC(2026, 0, 1), startedAt: Date.UTC(2026, 0, 1, 0, 0, 1), finishedAt: Date.UTC(2026, 0, 1, 0, 0, 2),
  ratePerSecond: null, etaSeconds: null, via: 'sendgrid', requestedByKeyId: null, error: null, children: [], params: {}, scrubbedAt: null, cancelRequestedAt: null, chunksTotal: 1, chunksDone: 1, attempts: 0, ...over,
});

describe('SendGrid wire mapping', () => {
  it('turns a SendGrid contact into an import row: columns, attributes, custom fields', () => {
    assert.deepEqual(
      importRowOf({ email: 'a@example.com', first_name: 'A', phone_number: '+1', external_id: 'x1', city: 'Oslo', unique_name: 'u', alternate_emails: ['b@example.com', 'c@example.com'], custom_fields: { w1: 'coffee', n2: 3 } }),
      { email: 'a@example.com', first_name: 'A', phone: '+1', external_key: 'x1', attributes: { city: 'Oslo', unique_name: 'u', alternate_emails: 'b@example.com,c@example.com' }, custom_fields: { w1: 'coffee', n2: 3 } },
    );
    assert.deepEqual(importRowOf({ email: 'a@example.com' }), { email: 'a@example.com' }, 'omitted fields stay out (they are not cleared)');
  });

  it('shows a contact as SendGrid does: uuid ids, list uuids, empty strings for missing fields', () => {
    const shown = presentContact(contact(), new Map([[3, 'list-three']]), 'http://lethe.test');
    assert.equal(shown.id, contact().uuid);
    assert.equal(shown.email, 'Ann@Example.com');
    assert.equal(shown.last_name, '');
    assert.equal(shown.external_id, 'crm-7');
    assert.equal(shown.phone_number, '+4712345678');
    assert.deepEqual(shown.alternate_emails, ['a@example.com', 'b@example.com']);
    assert.equal((shown as unknown as Record<string, string>).city, 'Oslo');
    assert.deepEqual(shown.list_ids, ['list-three'], 'a list that is gone is left out');
    assert.equal(shown.created_at, '2026-01-02T00:00:00.000Z');
    assert.equal(shown._metadata.self, `http://lethe.test/v3/marketing/contacts/${contact().uuid}`);
  });

  it('maps operation states and counts to job statuses', () => {
    assert.equal(jobStatusOf(operation({ state: 'queued' })), 'pending');
    assert.equal(jobStatusOf(operation({ state: 'processing' })), 'pending');
    assert.equal(jobStatusOf(operation({ counts: { ...counts, succeeded: 2 } })), 'completed');
    assert.equal(jobStatusOf(operation({ counts: { ...counts, succeeded: 2, invalid: 1 } })), 'errored');
    assert.equal(jobStatusOf(operation({ counts: { ...counts, invalid: 3 } })), 'failed');
    assert.equal(jobStatusOf(operation({ state: 'failed' })), 'failed');
    assert.equal(jobStatusOf(operation({ state: 'canceled' })), 'failed');
    assert.equal(jobStatusOf(operation({ counts: { ...counts, expected: 2, notFound: 2 } })), 'completed', 'ids that match nothing are not errors');

    const del = presentContactJob(operation({ counts: { ...counts, expected: 2, succeeded: 2 } }));
    assert.deepEqual(del.results, { requested_count: 2, deleted_count: 2, errored_count: 0 });
    assert.equal(del.job_type, 'delete');
    assert.equal(del.finished_at, '2026-01-01T00:00:02.000Z');
    const up = presentContactJob(operation({ kind: 'import.contacts', action: 'import', state: 'queued', startedAt: null, finishedAt: null, counts: { ...counts, expected: 3 } }), { created: 0, updated: 0 });
    assert.equal(up.job_type, 'upsert');
    assert.equal(up.status, 'pending');
    assert.ok(!('started_at' in up) && !('finished_at' in up));
    const erase = presentEraseJob(operation({ action: 'erase', counts: { ...counts, expected: 3, succeeded: 1, notFound: 2 } }));
    assert.deepEqual([erase.requested_count, erase.erased_count, erase.not_found_count, erase.errored_count], [3, 1, 2, 0]);
  });

  it('names scopes as SendGrid does', () => {
    assert.deepEqual(sendgridScopesOf(['read']), ['marketing.read', 'recipients.erasejob.read']);
    assert.deepEqual(sendgridScopesOf(['delete']), []);
    assert.deepEqual(sendgridScopesOf(['erase']), ['marketing.delete', 'recipients.erasejob.create']);
    assert.ok(sendgridScopesOf(['admin']).includes('recipients.erasejob.create') && sendgridScopesOf(['admin']).includes('scopes.read'));
  });

  it('reads comma lists given once or repeated, and recognizes uuids', () => {
    assert.deepEqual(commaList('a,b, c,,'), ['a', 'b', 'c']);
    assert.deepEqual(commaList(['a,b', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(commaList(undefined), []);
    assert.equal(isUuid('6F1C2A5E-0D1B-4C53-9A8E-2F7D1B3C4D5E'), true);
    assert.equal(isUuid('123'), false);
  });
});

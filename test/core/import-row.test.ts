import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnsOf, inputOfRow, rowOfRecord } from '../../src/core/imports/import-row.js';

describe('import rows', () => {
  it('reads a CSV header case-insensitively, with custom fields and attributes keeping their case', () => {
    const { columns, problems } = columnsOf([' Email ', 'FIRST_NAME', 'custom.Plan', 'Attributes.city', 'opt_in_at']);
    assert.deepEqual(problems, []);
    assert.deepEqual(columns, [
      { kind: 'field', name: 'email' },
      { kind: 'field', name: 'first_name' },
      { kind: 'custom', name: 'Plan' },
      { kind: 'attribute', name: 'city' },
      { kind: 'field', name: 'opt_in_at' },
    ]);
  });

  it('refuses unknown and repeated columns by position, never quoting the header', () => {
    const { problems } = columnsOf(['email', 'person@example.com', 'Email', 'custom.', 'custom.a', 'custom.a']);
    assert.deepEqual(problems.map((p) => p.message.split(' ').slice(0, 2).join(' ')), ['column 2', 'column 3', 'column 4', 'column 6']);
    assert.ok(!JSON.stringify(problems).includes('person@example.com'));
  });

  it('turns a record into a row: empty cells are left out, custom fields and attributes grouped', () => {
    const { columns } = columnsOf(['email', 'first_name', 'custom.plan', 'attributes.city']);
    assert.deepEqual(rowOfRecord(columns, ['a@example.com', '', 'gold', '']), { email: 'a@example.com', custom_fields: { plan: 'gold' } });
    assert.deepEqual(rowOfRecord(columns, ['', 'Ann', '', 'Oslo']), { first_name: 'Ann', attributes: { city: 'Oslo' } });
  });

  it('maps a row to a contact input and reports the first problem by field', () => {
    assert.deepEqual(inputOfRow({ email: 'a@example.com', external_key: 'k', opt_in_at: '2025-01-02', excluded_from_campaigns: 'Yes', custom_fields: { n: 1 } }), {
      input: { email: 'a@example.com', externalKey: 'k', optInAt: Date.UTC(2025, 0, 2), excludedFromCampaigns: true, customFields: { n: 1 } },
    });
    assert.deepEqual(inputOfRow({ first_name: null }), { input: { firstName: null } });
    const problemOf = (row: unknown) => {
      const result = inputOfRow(row);
      return 'problem' in result ? result.problem.field : undefined;
    };
    assert.equal(problemOf('a@example.com'), 'row');
    assert.equal(problemOf([1]), 'row');
    assert.equal(problemOf({ email: 42 }), 'email');
    assert.equal(problemOf({ opt_in_at: 'yesterday' }), 'opt_in_at');
    assert.equal(problemOf({ excluded_from_campaigns: 'maybe' }), 'excluded_from_campaigns');
    assert.equal(problemOf({ custom_fields: 'gold' }), 'custom_fields');
    assert.equal(problemOf({ shoe_size: 42 }), 'row');
  });
});

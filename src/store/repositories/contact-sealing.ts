import type { Selectable } from 'kysely';
import type { ContactRecord } from '../../core/contacts/contact.js';
import type { Sealer } from '../keyring/sealer.js';
import type { ContactsTable } from '../schema.js';

/**
 * Encryption at rest of contacts: which personal values go in the sealed blob, and how rows
 * are sealed on write and opened on read, so that the repository's callers see plaintext.
 * The identities the store looks contacts up by (`email_norm`, `external_key`) and what
 * filters and lifecycles need (status, times, flags, opt-in status) stay in their columns.
 */

/** The values a sealed contact keeps in its blob; their columns hold nothing. */
export interface SealedValues {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  customFields: Record<string, unknown>;
  attributes: Record<string, unknown>;
  createSource: string | null;
  updateSource: string | null;
  optInSource: string | null;
  optInIp: string | null;
  unsubscribeSource: string | null;
  unsubscribeReason: string | null;
}

const sealedValuesOf = (r: ContactRecord): SealedValues => ({
  email: r.email,
  firstName: r.firstName,
  lastName: r.lastName,
  phone: r.phone,
  customFields: r.customFields,
  attributes: r.attributes,
  createSource: r.createSource,
  updateSource: r.updateSource,
  optInSource: r.optInSource,
  optInIp: r.optInIp,
  unsubscribeSource: r.unsubscribeSource,
  unsubscribeReason: r.unsubscribeReason,
});

/** The columns of a sealed row: emptied, their values in the blob. */
export const CLEARED_COLUMNS = {
  email: null,
  first_name: null,
  last_name: null,
  phone: null,
  custom_fields: '{}',
  attributes: '{}',
  create_source: null,
  update_source: null,
  opt_in_source: null,
  opt_in_ip: null,
  unsubscribe_source: null,
  unsubscribe_reason: null,
} as const;

/** Records as stored: with encryption on, each one's personal values sealed and its columns cleared. */
export async function sealRecords(sealer: Sealer | undefined, records: readonly ContactRecord[]): Promise<Array<{ record: ContactRecord; sealed: Buffer | null }>> {
  if (!sealer) return records.map((record) => ({ record, sealed: null }));
  const sealed = await sealer.sealMany(records.map((r) => ({ owner: r.uuid, values: sealedValuesOf(r) })));
  return records.map((r, i) => ({
    record: { ...r, email: null, firstName: null, lastName: null, phone: null, customFields: {}, attributes: {}, createSource: null, updateSource: null, optInSource: null, optInIp: null, unsubscribeSource: null, unsubscribeReason: null },
    sealed: sealed[i] as Buffer,
  }));
}

type Row = Selectable<ContactsTable>;

/**
 * Rows with their sealed values put back in the columns, as if stored in the clear. A row
 * whose key was destroyed (erased) keeps its empty columns: its values are gone.
 */
export async function openRows<R extends Pick<Row, 'uuid' | 'sealed'> & Partial<Row>>(sealer: Sealer | undefined, rows: readonly R[]): Promise<R[]> {
  if (!sealer || !rows.some((r) => r.sealed !== null)) return [...rows];
  const values = await sealer.openMany<SealedValues>(rows.map((r) => ({ owner: r.uuid, sealed: r.sealed })));
  return rows.map((row, i) => {
    const v = values[i];
    if (v === undefined) return row;
    return {
      ...row,
      email: v.email,
      first_name: v.firstName,
      last_name: v.lastName,
      phone: v.phone,
      custom_fields: JSON.stringify(v.customFields),
      attributes: JSON.stringify(v.attributes),
      create_source: v.createSource,
      update_source: v.updateSource,
      opt_in_source: v.optInSource,
      opt_in_ip: v.optInIp,
      unsubscribe_source: v.unsubscribeSource,
      unsubscribe_reason: v.unsubscribeReason,
    };
  });
}

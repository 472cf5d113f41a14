import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_engine.js';
import * as m0003 from './0003_staged_rows.js';
import * as m0004 from './0004_access_tokens.js';
import * as m0006 from './0006_suppression_and_list_keys.js';
import * as m0007 from './0007_operations_unfinished.js';
import * as m0008 from './0008_sealed_contacts.js';

/** Every migration, in order. A new migration is a new file added here; none is ever edited. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_engine': m0002,
  '0003_staged_rows': m0003,
  '0004_access_tokens': m0004,
  '0006_suppression_and_list_keys': m0006,
  '0007_operations_unfinished': m0007,
  '0008_sealed_contacts': m0008,
};

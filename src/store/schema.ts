import type { Generated } from 'kysely';

/** Row types of the tables, as the database holds them (times in epoch ms, booleans 0/1, JSON as text). */

export interface LetheMetaTable {
  key: string;
  value: string;
}

export interface AccountsTable {
  id: Generated<number>;
  parent_id: number | null;
  namespace_id: number;
  name: string;
  restore_window_days: number | null;
  suppression_window_days: number | null;
  retention_days: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: number;
  name: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AccessTokensTable {
  token_hash: string;
  key_id: string;
  account_id: number;
  scopes: string;
  created_at: number;
  expires_at: number;
}

export interface ContactsTable {
  id: Generated<number>;
  account_id: number;
  uuid: string;
  external_key: string | null;
  email: string | null;
  email_norm: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  custom_fields: Generated<string>;
  attributes: Generated<string>;
  create_source: string | null;
  update_source: string | null;
  opt_in_status: string | null;
  opt_in_at: number | null;
  opt_in_source: string | null;
  opt_in_ip: string | null;
  excluded_from_campaigns: Generated<number>;
  unsubscribed_at: number | null;
  unsubscribe_source: string | null;
  unsubscribe_reason: string | null;
  status: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  erased_at: number | null;
  purge_at: number | null;
  /** Personal values sealed under the contact's data key (encryption at rest); null on rows written before it. */
  sealed: Buffer | null;
}

export interface ListsTable {
  id: Generated<number>;
  account_id: number;
  uuid: string;
  name: string;
  external_key: string | null;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface ListMembershipsTable {
  account_id: number;
  contact_id: number;
  list_id: number;
  created_at: number;
  unsubscribed_at: number | null;
}

export interface EventsTable {
  account_id: number;
  contact_id: number;
  id: number;
  type: string;
  message_id: string | null;
  subject: string | null;
  categories: string | null;
  ip: string | null;
  user_agent: string | null;
  url: string | null;
  occurred_at: number;
}

export interface OperationsTable {
  id: Generated<number>;
  account_id: number;
  uuid: string;
  parent_operation_id: number | null;
  kind: string;
  action: string;
  selector_kind: string;
  selector_size: Generated<number>;
  params: Generated<string>;
  dry_run: Generated<number>;
  state: string;
  expected: Generated<number>;
  processed: Generated<number>;
  succeeded: Generated<number>;
  not_found: Generated<number>;
  invalid: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  duplicates: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  chunks_total: Generated<number>;
  chunks_done: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: number | null;
  attempts: Generated<number>;
  run_after: number;
  requested_by_key_id: string | null;
  via: string;
  error_code: string | null;
  error_message: string | null;
  cancel_requested_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  scrubbed_at: number | null;
}

export interface OperationChunksTable {
  operation_id: number;
  chunk_no: number;
  account_id: number;
  range_start: number;
  range_end: number;
  state: string;
  done_at: number | null;
}

export interface OperationTargetsTable {
  operation_id: number;
  seq: number;
  account_id: number;
  value: string | null;
  value_hash: string | null;
  contact_id: number | null;
  outcome: string;
  detail: string | null;
}

export interface AuditLogTable {
  account_id: number;
  seq: number;
  at: number;
  actor_key_id: string | null;
  via: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface RateLimitsTable {
  account_id: number;
  bucket: string;
  window_start: number;
  count: number;
}

export interface Database {
  lethe_meta: LetheMetaTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  access_tokens: AccessTokensTable;
  contacts: ContactsTable;
  lists: ListsTable;
  list_memberships: ListMembershipsTable;
  events: EventsTable;
  operations: OperationsTable;
  operation_chunks: OperationChunksTable;
  operation_targets: OperationTargetsTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitsTable;
}

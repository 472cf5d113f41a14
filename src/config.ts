import { isAbsolute, join, resolve } from 'node:path';

/**
 * The only reader of process.env. Parsed once, typed, frozen. Each variable is also a
 * flag of `lethe serve`; a flag wins over the environment.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…`, or the SQLite file path (default: `<dataDir>/lethe.db`). */
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** When set on first start, this value becomes the admin key (for automation). */
  adminKey: string | undefined;
  /** Secret for keyed hashes; default: generated into `<dataDir>/secret` on first start. */
  secret: string | undefined;
  /**
   * Where the keyring of per-contact data keys lives: a SQLite file path or `postgres://…`.
   * Default: `<dataDir>/keyring.db` when the data is in SQLite, the data's own PostgreSQL
   * database (schema `lethe_keyring`) otherwise.
   */
  keyringUrl: string;
  /** Secret the keyring's key-encryption key is derived from; default: the server secret. */
  keyringSecret: string | undefined;
  /** The keyring secret before a rotation (`lethe keyring rotate` re-wraps what it wrapped). */
  keyringPreviousSecret: string | undefined;
  /**
   * Encryption at rest: seal contacts' personal values under their own data keys as they are
   * written (default off while the stages of issue 14 land; sealed rows are read either way).
   */
  encryptAtRest: boolean;
  /** Run the operations worker inside `serve` (default) or only in `lethe worker` processes. */
  embeddedWorker: boolean;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Requests with a body over `bodyLimit` (bulk routes only) the server reads and works on at once; 429 beyond. */
  bulkConcurrency: number;
  /** Requests per minute per account for SendGrid's erase job. */
  eraseJobRateLimit: number;
  /** Requests per minute per account for SendGrid's other routes. */
  sendgridRateLimit: number;
  /** Requests per minute per account for the Mailjet dialect (429 beyond it). */
  mailjetRateLimit: number;
  /** Constant Contact dialect: requests per second per API key (429 beyond it). */
  ctctRatePerSecond: number;
  /** Constant Contact dialect: requests per UTC day per API key (429 beyond it). */
  ctctRatePerDay: number;
  /** Requests per minute per account for the Marketing Cloud dialect (429 beyond it). */
  marketingCloudRateLimit: number;
  /** PostgreSQL storage scrub after erasure: `rewrite` (VACUUM FULL, default) or `vacuum`. */
  scrubMode: 'rewrite' | 'vacuum';
  /** Largest body of POST /v1/imports, in bytes (a 1,000,000-row CSV is 60-100 MB). */
  importBodyLimit: number;
  /** Rows an import processes per transaction (default 10,000, at most 20,000). */
  importChunkSize: number;
  /** Most rows one import may hold. */
  importMaxRows: number;
  /** Contacts (or named targets) per chunk: one transaction each. */
  chunkSize: number;
  /** How often an idle worker looks for work (it is also woken when work is queued here). */
  workerPollMs: number;
  /** Chunks a worker runs at once, each in its own transaction (PostgreSQL; SQLite runs one). */
  workerConcurrency: number;
  /** How often the worker's scheduler looks for contacts due for purge. */
  schedulerIntervalMs: number;
  /**
   * The URL clients reach Lethe at (`https://lethe.example.com`, no trailing slash), for
   * URLs in responses (SendGrid's `_metadata.self`, Marketing Cloud's `rest_instance_url`);
   * unset: built from the request.
   */
  publicUrl: string | undefined;
  /** Let webhook endpoints point at private, loopback and link-local addresses (default false; tests and closed networks). */
  webhooksAllowPrivate: boolean;
  /** How long one webhook delivery may take before it is abandoned as failed (ms). */
  webhooksTimeoutMs: number;
  /** Webhook deliveries a worker sends at once. */
  webhooksConcurrency: number;
}

export type ConfigOverrides = Partial<Record<keyof Config, string | number | boolean | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intOf(name: string, raw: string | number | boolean | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got "${String(raw)}"`);
  return value;
}

function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new Error(`${name} must be at most ${max}, got "${value}"`);
  return value;
}

/** Chunk loops per worker: each holds a connection of the pool (10), leaving room for the scrub and reads. */
const MAX_WORKER_CONCURRENCY = 8;

function boolOf(name: string, raw: string | number | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new Error(`${name} must be true or false, got "${String(raw)}"`);
}

/** An http(s) URL without query or fragment, its trailing slashes cut; undefined when unset. */
function publicUrlOf(raw: string | number | boolean | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new Error(`LETHE_PUBLIC_URL must be an http or https URL, got "${String(raw)}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`LETHE_PUBLIC_URL must be an http or https URL without credentials, query or fragment, got "${String(raw)}"`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const pick = (key: keyof Config, envName: string) => overrides[key] ?? env[envName];
  const dataDirRaw = String(pick('dataDir', 'LETHE_DATA_DIR') ?? './data');
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(dataDirRaw);
  const databaseUrl = String(pick('databaseUrl', 'DATABASE_URL') ?? '') || join(dataDir, 'lethe.db');
  const logLevel = String(pick('logLevel', 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const adminKey = pick('adminKey', 'LETHE_ADMIN_KEY');
  const keyringUrl = String(pick('keyringUrl', 'LETHE_KEYRING_URL') ?? '') || (/^postgres(ql)?:\/\//i.test(databaseUrl) ? databaseUrl : join(dataDir, 'keyring.db'));
  const optional = (raw: string | number | boolean | undefined) => (raw === undefined || raw === '' ? undefined : String(raw));
  const secret = pick('secret', 'LETHE_SECRET');
  const scrubMode = String(pick('scrubMode', 'LETHE_SCRUB_MODE') ?? 'rewrite').toLowerCase();
  if (scrubMode !== 'rewrite' && scrubMode !== 'vacuum') throw new Error('LETHE_SCRUB_MODE must be rewrite or vacuum');
  return Object.freeze({
    port: atMost('PORT (--port)', intOf('PORT (--port)', pick('port', 'PORT'), 8080, 0), 65535),
    host: String(pick('host', 'HOST') ?? '127.0.0.1'),
    dataDir,
    databaseUrl,
    logLevel: logLevel as Config['logLevel'],
    adminKey: adminKey === undefined || adminKey === '' ? undefined : String(adminKey),
    secret: secret === undefined || secret === '' ? undefined : String(secret),
    keyringUrl,
    keyringSecret: optional(pick('keyringSecret', 'LETHE_KEYRING_SECRET')),
    keyringPreviousSecret: optional(pick('keyringPreviousSecret', 'LETHE_KEYRING_PREVIOUS_SECRET')),
    encryptAtRest: boolOf('LETHE_ENCRYPT_AT_REST', pick('encryptAtRest', 'LETHE_ENCRYPT_AT_REST'), false),
    embeddedWorker: boolOf('LETHE_EMBEDDED_WORKER', pick('embeddedWorker', 'LETHE_EMBEDDED_WORKER'), true),
    bodyLimit: intOf('LETHE_BODY_LIMIT', pick('bodyLimit', 'LETHE_BODY_LIMIT'), 1024 * 1024, 1024),
    bulkConcurrency: intOf('LETHE_BULK_CONCURRENCY', pick('bulkConcurrency', 'LETHE_BULK_CONCURRENCY'), 1, 1),
    eraseJobRateLimit: intOf('LETHE_ERASEJOB_RATE_LIMIT', pick('eraseJobRateLimit', 'LETHE_ERASEJOB_RATE_LIMIT'), 100, 1),
    sendgridRateLimit: intOf('LETHE_SENDGRID_RATE_LIMIT', pick('sendgridRateLimit', 'LETHE_SENDGRID_RATE_LIMIT'), 600, 1),
    mailjetRateLimit: intOf('LETHE_MAILJET_RATE_LIMIT', pick('mailjetRateLimit', 'LETHE_MAILJET_RATE_LIMIT'), 600, 1),
    ctctRatePerSecond: intOf('LETHE_CTCT_RATE_PER_SECOND', pick('ctctRatePerSecond', 'LETHE_CTCT_RATE_PER_SECOND'), 50, 1),
    ctctRatePerDay: intOf('LETHE_CTCT_RATE_PER_DAY', pick('ctctRatePerDay', 'LETHE_CTCT_RATE_PER_DAY'), 1_000_000, 1),
    marketingCloudRateLimit: intOf('LETHE_MARKETING_CLOUD_RATE_LIMIT', pick('marketingCloudRateLimit', 'LETHE_MARKETING_CLOUD_RATE_LIMIT'), 600, 1),
    scrubMode,
    importBodyLimit: intOf('LETHE_IMPORT_BODY_LIMIT', pick('importBodyLimit', 'LETHE_IMPORT_BODY_LIMIT'), 256 * 1024 * 1024, 1024),
    importChunkSize: intOf('LETHE_IMPORT_CHUNK_SIZE', pick('importChunkSize', 'LETHE_IMPORT_CHUNK_SIZE'), 10_000, 1),
    importMaxRows: intOf('LETHE_IMPORT_MAX_ROWS', pick('importMaxRows', 'LETHE_IMPORT_MAX_ROWS'), 1_000_000, 1),
    chunkSize: intOf('LETHE_CHUNK_SIZE', pick('chunkSize', 'LETHE_CHUNK_SIZE'), 5000, 1),
    workerPollMs: intOf('LETHE_WORKER_POLL_MS', pick('workerPollMs', 'LETHE_WORKER_POLL_MS'), 1000, 10),
    workerConcurrency: atMost('LETHE_WORKER_CONCURRENCY', intOf('LETHE_WORKER_CONCURRENCY', pick('workerConcurrency', 'LETHE_WORKER_CONCURRENCY'), 1, 1), MAX_WORKER_CONCURRENCY),
    schedulerIntervalMs: intOf('LETHE_SCHEDULER_INTERVAL_MS', pick('schedulerIntervalMs', 'LETHE_SCHEDULER_INTERVAL_MS'), 60_000, 100),
    publicUrl: publicUrlOf(pick('publicUrl', 'LETHE_PUBLIC_URL')),
    webhooksAllowPrivate: boolOf('LETHE_WEBHOOKS_ALLOW_PRIVATE', pick('webhooksAllowPrivate', 'LETHE_WEBHOOKS_ALLOW_PRIVATE'), false),
    webhooksTimeoutMs: atMost('LETHE_WEBHOOKS_TIMEOUT_MS', intOf('LETHE_WEBHOOKS_TIMEOUT_MS', pick('webhooksTimeoutMs', 'LETHE_WEBHOOKS_TIMEOUT_MS'), 10_000, 100), 60_000),
    webhooksConcurrency: atMost('LETHE_WEBHOOKS_CONCURRENCY', intOf('LETHE_WEBHOOKS_CONCURRENCY', pick('webhooksConcurrency', 'LETHE_WEBHOOKS_CONCURRENCY'), 8, 1), 64),
  });
}

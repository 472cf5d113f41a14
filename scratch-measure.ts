import { loadConfig } from './src/config.js';
import { createLethe } from './src/main.js';
import { createLogger } from './src/logger.js';
import { ensureFirstStart } from './src/core/bootstrap.js';
import { createTestDatabase } from './test/helpers/engines.js';

const engine = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const n = Number(process.argv[3] ?? 1_000_000);
const lines = ['email,first_name,last_name,custom.plan'];
for (let i = 0; i < n; i++) lines.push(`person${i}@example.com,First${i},Last${i},gold`);
const csv = lines.join('\n') + '\n';
console.log('csv MB', (csv.length / 1e6).toFixed(1));
const db = await createTestDatabase(engine);
const config = loadConfig({ dataDir: db.dir, databaseUrl: db.url, logLevel: 'silent' }, {});
const lethe = await createLethe(config, { logger: createLogger('silent') });
const first = await ensureFirstStart(lethe.core, undefined);
const actor = { accountId: first.accountId, keyAccountId: first.accountId, keyId: null, scopes: ['admin'] as const, via: 'native' as const };
const t0 = performance.now();
try {
  await lethe.core.imports.create(actor as never, { format: 'csv', csv });
} catch (e) { console.log('after create:', (e as Error).message); }
console.log(engine, 'create s', ((performance.now() - t0) / 1000).toFixed(2));
const c = await lethe.store.handle.db.selectFrom('operation_targets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
console.log('targets', c.n);
await lethe.close();
await db.drop();

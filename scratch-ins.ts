import { sql } from 'kysely';
import { createStore } from './src/store/store.js';
import { createTestDatabase } from './test/helpers/engines.js';
const engine = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const db = await createTestDatabase(engine);
const store = await createStore({ url: db.url });
const k = store.handle.db;
await k.insertInto('accounts').values({ name: 'a', parent_id: null, namespace_id: 0, created_at: 0, updated_at: 0 } as never).execute().catch((e) => console.log(e.message));
const acc = (await k.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id;
const N = Number(process.argv[3] ?? 1e6);
const values = Array.from({ length: N }, (_, i) => JSON.stringify({ email: `person${i}@example.com`, first_name: `First${i}`, last_name: `Last${i}`, custom_fields: { plan: 'gold' } }));
let t0 = performance.now();
if (process.argv[4] !== 'skip') await store.transaction(async (tx) => { await tx.imports.insertRows(acc, 1, 1, values); });
console.log(engine, 'kysely values s', ((performance.now() - t0) / 1000).toFixed(2));
t0 = performance.now();
await k.transaction().execute(async (k) => {
  for (let i = 0; i < values.length; i += 20000) {
    const run = values.slice(i, i + 20000);
    if (engine === 'sqlite') await sql`insert into operation_targets (operation_id, seq, account_id, value, outcome) select ${2}, ${i + 1} + key, ${acc}, value, 'pending' from json_each(${JSON.stringify(run)})`.execute(k);
    else await sql`insert into operation_targets (operation_id, seq, account_id, value, outcome) select ${2}, ${i} + ord, ${acc}, v, 'pending' from unnest(${run}::text[]) with ordinality as t(v, ord)`.execute(k);
  }
});
console.log(engine, 'json_each/unnest s', ((performance.now() - t0) / 1000).toFixed(2));
await store.close(); await db.drop();

import { readRows } from './src/core/imports/import-source.js';
const n = 1_000_000;
const lines = ['email,first_name,last_name,custom.plan'];
for (let i = 0; i < n; i++) lines.push(`person${i}@example.com,First${i},Last${i},gold`);
const csv = lines.join('\n') + '\n';
let t0 = performance.now(); let k = 0;
for await (const r of readRows({ format: 'csv', csv }, { requiredColumn: 'email', maxRows: 2e6 })) { JSON.stringify(r); k++; }
console.log('parse+stringify s', ((performance.now() - t0) / 1000).toFixed(2), k);
const { parse } = await import('csv-parse/sync');
t0 = performance.now();
const recs = parse(csv);
console.log('sync parse s', ((performance.now() - t0) / 1000).toFixed(2), recs.length);

// A Lethe server of its own for memory tests: prints `ready <port> <admin key>`, then,
// once `report` arrives on stdin, `rss <peak resident bytes>`, and closes.
import { createInterface } from 'node:readline';
import { buildTestApp } from './app.js';
import type { Engine } from './engines.js';

const t = await buildTestApp((process.env.BODY_SERVER_ENGINE ?? 'sqlite') as Engine);
const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`ready ${new URL(address).port} ${t.adminKey}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'report') break;
}
process.stdout.write(`rss ${process.resourceUsage().maxRSS * 1024}\n`);
await t.close();

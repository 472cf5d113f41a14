import type { Config } from '../config.js';
import { ensureFirstStart } from '../core/bootstrap.js';
import { startWorkerThread } from '../jobs/worker-host.js';
import type { WorkerHost } from '../jobs/worker-host.js';
import { createLethe } from '../main.js';
import { buildApp } from './app.js';

/** `lethe serve`: listen, and shut down cleanly on SIGINT/SIGTERM. */
export async function startServer(config: Readonly<Config>, version: string): Promise<void> {
  let worker: WorkerHost | undefined;
  const lethe = await createLethe(config, { notifyWork: () => worker?.notify() });
  const first = await ensureFirstStart(lethe.core, config.adminKey);
  const workerStatus = () => (config.embeddedWorker ? (worker?.status() ?? 'stopped') : 'disabled');
  const app = await buildApp({ core: lethe.core, config, logger: lethe.logger, version, workerStatus });
  const address = await app.listen({ port: config.port, host: config.host });
  // The operations worker runs in its own thread, so its chunks never block this event loop.
  if (config.embeddedWorker) worker = startWorkerThread(config, lethe.logger);
  const base = address.replace('[::1]', 'localhost');
  if (first.createdKey) {
    // Shown once, on the terminal only: never through the logger.
    process.stdout.write(
      `\nLethe is ready on ${lethe.store.capabilities.engine}.\n` +
        `  Dashboard: ${base}/dashboard/ (sign in with the admin key)\n  API:   ${base}/v1\n  Docs:  ${base}/docs\n` +
        (config.adminKey ? '  Admin key: the value of LETHE_ADMIN_KEY\n\n' : `  Admin key (shown once, keep it safe):\n    ${first.createdKey.key}\n\n`),
    );
  } else {
    process.stdout.write(`Lethe is listening on ${base} (dashboard ${base}/dashboard/, API ${base}/v1, docs ${base}/docs)\n`);
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    lethe.logger.info({ signal }, 'shutting down');
    await app.close();
    await worker?.stop();
    await lethe.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

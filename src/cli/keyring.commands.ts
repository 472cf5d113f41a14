import type { Command } from 'commander';
import { createLogger } from '../logger.js';
import { createLethe } from '../main.js';
import type { CliContext } from './operations.commands.js';

/**
 * `lethe keyring status|rotate`: the keyring of per-contact data keys. Rotation re-wraps
 * every data key under the current key-encryption key (from LETHE_KEYRING_SECRET, else the
 * server secret), opening each with the previous one (LETHE_KEYRING_PREVIOUS_SECRET); the
 * data, encrypted under the data keys, is not touched. Then the old wrappings are scrubbed
 * from the keyring's storage.
 */
export function registerKeyringCommands(program: Command, context: CliContext): void {
  const { common, fail } = context;
  const keyring = program.command('keyring').description('the keyring of per-contact data keys');

  common(keyring.command('status').description('where the keyring is, how many keys it holds, the current key-encryption key id'))
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const lethe = await createLethe(context.configOf(flags), { logger: createLogger('silent') }).catch(fail);
      try {
        const keys = await lethe.keyring.count();
        const status = { engine: lethe.keyring.engine, keys, kek_id: lethe.keyring.kekId };
        process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `keyring on ${status.engine}: ${keys} data key(s), key-encryption key ${status.kek_id}\n`);
      } catch (error) {
        fail(error);
      } finally {
        await lethe.close();
      }
    });

  common(keyring.command('rotate').description('re-wrap every data key under the current key-encryption key (set LETHE_KEYRING_PREVIOUS_SECRET to the old secret)'))
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const lethe = await createLethe(context.configOf(flags), { logger: createLogger('silent') }).catch(fail);
      try {
        const done = await lethe.keyring.rotate((p) => {
          if (!flags.json) process.stdout.write(`re-wrapped ${p.rewrapped} key(s)\n`);
        });
        const scrub = await lethe.keyring.scrub();
        const result = { rewrapped: done.rewrapped, kek_id: lethe.keyring.kekId, scrub_ms: scrub.durationMs };
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `done: ${done.rewrapped} key(s) now wrapped under ${result.kek_id}; old wrappings scrubbed\n`);
      } catch (error) {
        fail(error);
      } finally {
        await lethe.close();
      }
    });
}

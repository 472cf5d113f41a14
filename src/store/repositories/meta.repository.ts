import type { Kysely } from 'kysely';
import type { MetaRepository } from '../../core/meta.js';
import type { Database } from '../schema.js';

export class KyselyMetaRepository implements MetaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('lethe_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db.insertInto('lethe_meta').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.get(key)) ?? value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.insertInto('lethe_meta').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('lethe_meta').where('key', '=', key).execute();
  }
}

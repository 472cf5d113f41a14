import { sql } from 'kysely';
import { splitKey } from '../src/core/keys/keys.service.js';
import { createOperation, hasRoute, request, waitOperation } from './client.js';
import type { WireOperation } from './client.js';
import { BENCH_ADMIN_KEY, openLethe } from './fixture.js';
import { LISTS_PER_CONTACT } from './generate.js';
import type { Places } from './places.js';
import { figures, operationsApi, opSummary, withServer } from './scenarios.js';
import type { RunContext, ScenarioResult } from './scenarios.js';
import type { Server } from './server.js';

type Place = Awaited<ReturnType<Places['copyOfBase']>>;

/** The data set has no contact keys: each copy gets `mc-<id>` for every contact before its server starts (untimed). */
async function giveKeys(place: Place, accountId: number): Promise<void> {
  const lethe = await openLethe(place);
  try {
    await lethe.store.handle.db
      .updateTable('contacts')
      .set({ external_key: sql<string>`'mc-' || id` })
      .where('account_id', '=', accountId)
      .execute();
  } finally {
    await lethe.close();
  }
}

/** A Marketing Cloud access token for the bench's admin key (client id and secret as Lethe splits it). */
async function mcToken(server: Server): Promise<string> {
  const { id, secret } = splitKey(BENCH_ADMIN_KEY);
  const answer = await request<{ access_token: string }>(server.baseUrl, 'POST', '/v2/token', { grant_type: 'client_credentials', client_id: id, client_secret: secret }, [200]);
  return answer.body.access_token;
}

/** Seconds from the request to its answer, and to the operation's completion (polled the same way for both APIs). */
async function timed(server: Server, send: () => Promise<number | string>): Promise<{ accepted: number; seconds: number; op: WireOperation }> {
  const started = performance.now();
  const ref = await send();
  const accepted = (performance.now() - started) / 1000;
  const op = await waitOperation(server.baseUrl, ref, { pollMs: 100, timeoutMs: 60 * 60_000 });
  return { accepted, seconds: (performance.now() - started) / 1000, op };
}

/**
 * Marketing Cloud's Contact Delete of every contact by key (`POST
 * /contacts/v1/contacts/actions/delete?type=keys`, up to 1,000,000 keys: phase one, the
 * suppression, which is the soft delete of each contact) against the same soft delete
 * through `POST /v1/operations` (selector external_keys), each on its own copy of the
 * data set. The issue's target: within 1.5× of /v1.
 */
export async function mcDeleteScenario(ctx: RunContext): Promise<ScenarioResult> {
  const n = Math.min(ctx.data.contacts, 1_000_000);
  const keys = Array.from({ length: n }, (_, i) => `mc-${i + 1}`);
  // Soft delete: the contact row and its memberships.
  const rows = n * (1 + LISTS_PER_CONTACT);
  const base: ScenarioResult = { name: 'mcdelete', title: `Marketing Cloud delete of ${n} contact keys vs the same soft delete through /v1/operations`, status: 'ok', via: 'POST /contacts/v1/contacts/actions/delete?type=keys (Marketing Cloud dialect)', contacts: n, rows };
  const prepare = (place: Place) => giveKeys(place, ctx.data.accountId);
  const mc = await withServer(ctx, 'mcdelete', async (server) => {
    if (!(await hasRoute(server.baseUrl, 'POST', '/v2/token', {}))) return undefined;
    const token = await mcToken(server);
    return timed(server, async () => {
      const response = await fetch(`${server.baseUrl}/contacts/v1/contacts/actions/delete?type=keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ values: keys, DeleteOperationType: 'ContactAndAttributes' }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`the Marketing Cloud delete answered ${response.status}: ${text.slice(0, 500)}`);
      return (JSON.parse(text) as { operationID: number }).operationID;
    });
  }, prepare);
  if (!mc.result) return { ...base, status: 'skipped', reason: 'this build has no Marketing Cloud surface yet' };
  const native = await withServer(ctx, 'mcdelete_v1', async (server) => {
    if (!(await operationsApi(server))) return undefined;
    return timed(server, async () => (await createOperation(server.baseUrl, { action: 'soft_delete', selector: { external_keys: keys } })).id);
  }, prepare);
  const ok = mc.result.op.state === 'completed' && (mc.result.op.counts?.succeeded ?? 0) === n;
  return {
    ...base,
    title: `${base.title} (accepted in ${mc.result.accepted.toFixed(2)} s${native.result ? `; /v1 accepted in ${native.result.accepted.toFixed(2)} s` : ''})`,
    status: ok && (!native.result || native.result.op.state === 'completed') ? 'ok' : 'failed',
    ...figures(mc.result.seconds, n, rows),
    peakRssBytes: mc.peakRssBytes,
    operation: opSummary(mc.result.op),
    ...(native.result ? { compared: { via: 'POST /v1/operations (soft_delete, selector external_keys)', seconds: native.result.seconds, ratio: mc.result.seconds / native.result.seconds } } : {}),
  };
}

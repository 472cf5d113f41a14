import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Core } from '../core/core.js';
import { isPrivateAddress } from '../core/webhooks/target-address.js';
import type { AttemptResult, ClaimedDelivery } from '../core/webhooks/webhook.js';
import type { Logger } from '../logger.js';

/**
 * Pauses after failed attempts 1 to 7 (Standard Webhooks' suggested schedule): 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h. The 8th attempt, some 27.5 hours after the first, is the
 * last; when it fails the endpoint, failing all that while, is disabled and flagged.
 */
export const RETRY_SCHEDULE_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
/** Bytes of a receiver's answer read (and discarded) at most. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookSenderOptions {
  /** One attempt's limit, connection to last byte (ms). */
  timeoutMs: number;
  /** Deliveries sent at once. */
  concurrency: number;
  /** Let deliveries reach private, loopback and link-local addresses. */
  allowPrivate: boolean;
  logger?: Logger;
}

class PrivateTargetError extends Error {}

/**
 * Sends the webhook outbox: claims due deliveries (a lease a little longer than the
 * timeout, so a sender that dies mid-delivery lets another take it up), sends them at
 * once up to `concurrency`, each bounded by `timeoutMs`, and records each attempt. At least
 * once: a delivery is marked done only after its receiver answered 2xx.
 */
export class WebhookSender {
  constructor(
    private readonly core: Core,
    private readonly options: WebhookSenderOptions,
  ) {}

  /** The lease of a claim: the timeout and a margin for recording the result. */
  get leaseMs(): number {
    return this.options.timeoutMs * 2 + 1_000;
  }

  /** Sends one batch of due deliveries; answers how many were attempted. */
  async step(): Promise<number> {
    const { store, clock } = this.core.deps;
    const now = clock.now();
    const claimed = await store.webhooks.claimDue(now, this.options.concurrency, now + this.leaseMs);
    await Promise.all(claimed.map(async (delivery) => this.record(delivery, await this.attempt(delivery))));
    return claimed.length;
  }

  /** One attempt: signed per Standard Webhooks, no redirects followed, bounded in time and size. */
  async attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const started = performance.now();
    const result = (ok: boolean, status: number | null, error: string | null): AttemptResult => ({ ok, status, latencyMs: performance.now() - started, error });
    let url: URL;
    try {
      url = new URL(delivery.url);
    } catch {
      return result(false, null, 'invalid url');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivate && isIP(host) && isPrivateAddress(host)) return result(false, null, 'refused: private address');
    // The wall clock, not core's: receivers check the timestamp against theirs.
    const signedAt = new Date();
    const signature = new Webhook(delivery.secret).sign(delivery.msgId, signedAt, delivery.payload);
    const body = Buffer.from(delivery.payload, 'utf8');
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (value: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const request = transport.request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': 'Lethe-Webhooks/1',
            'webhook-id': delivery.msgId,
            'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
            'webhook-signature': signature,
          },
          // Every address the host resolves to is checked, and the one connected to is among them.
          lookup: this.options.allowPrivate ? undefined : checkedLookup,
          agent: false,
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) response.destroy();
          });
          const status = response.statusCode ?? 0;
          const done = () => finish(result(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `HTTP ${status}`));
          response.on('end', done);
          response.on('close', done);
          response.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        finish(result(false, null, 'timeout'));
        request.destroy();
      }, this.options.timeoutMs);
      request.on('error', (error) => finish(result(false, null, error instanceof PrivateTargetError ? 'refused: private address' : `network error${(error as { code?: string }).code ? `: ${(error as { code?: string }).code}` : ''}`)));
      request.end(body);
    });
  }

  /** Records an attempt: delivered; or retried after the schedule's pause; or, after the last, failed and the endpoint disabled and flagged. */
  async record(delivery: ClaimedDelivery, outcome: AttemptResult): Promise<void> {
    const { store, clock } = this.core.deps;
    const now = clock.now();
    const attempts = delivery.attempts + 1;
    await store.transaction(async (tx) => {
      if (outcome.ok) {
        await tx.webhooks.recordAttempt(delivery.id, outcome, { state: 'delivered', nextAttemptAt: null }, now);
        if (delivery.failingSince !== null) await tx.webhooks.updateEndpoint(delivery.accountId, delivery.endpointId, { failingSince: null }, now);
        return;
      }
      const pause = RETRY_SCHEDULE_MS[attempts - 1];
      if (pause !== undefined) {
        await tx.webhooks.recordAttempt(delivery.id, outcome, { state: 'pending', nextAttemptAt: now + pause }, now);
        if (delivery.failingSince === null) await tx.webhooks.updateEndpoint(delivery.accountId, delivery.endpointId, { failingSince: now }, now);
        return;
      }
      await tx.webhooks.recordAttempt(delivery.id, outcome, { state: 'failed', nextAttemptAt: null }, now);
      // Retries exhausted: the endpoint has failed for over a day. Disable it and flag why.
      await tx.webhooks.updateEndpoint(delivery.accountId, delivery.endpointId, { enabled: false, disabledReason: 'failing', ...(delivery.failingSince === null ? { failingSince: now } : {}) }, now);
      await tx.webhooks.failPending(delivery.accountId, delivery.endpointId, 'endpoint disabled: failing', now);
      this.options.logger?.warn({ accountId: delivery.accountId, endpointId: delivery.endpointId }, 'webhook endpoint disabled after failing for over a day');
    });
  }
}

/** dns.lookup, refusing a host any of whose addresses is private. */
function checkedLookup(hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) return callback(new PrivateTargetError('private address') as NodeJS.ErrnoException, '', 0);
    if (options.all) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

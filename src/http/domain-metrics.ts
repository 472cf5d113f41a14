import client from 'prom-client';
import type { Core } from '../core/core.js';
import { OPERATION_STATES } from '../core/operations/operation.js';
import { CONTACT_STATUSES } from '../core/contacts/contact.js';
import type { Metrics, WorkerHealth } from './metrics.js';

const WORKER_STATES: readonly WorkerHealth[] = ['running', 'restarting', 'stopped', 'disabled'];

/**
 * What the deletion engine is doing, read from the database at each scrape (so every server
 * process shows the same figures, whichever runs the work): operations by state, contacts by
 * status and erased so far, the age of the oldest work waiting, scrubs owed, open privacy
 * requests (due soon, overdue), and this process's embedded worker. Counts and times only.
 */
export function registerDomainMetrics(metrics: Metrics, core: Core, workerStatus: () => WorkerHealth): () => Promise<void> {
  const { registry } = metrics;
  const operations = new client.Gauge({
    name: 'lethe_operations',
    help: 'Operations (imports included) by state: queued, processing, completed, failed, canceled',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const contacts = new client.Gauge({
    name: 'lethe_contacts',
    help: 'Contacts by status: active, deleted, erased (purged contacts have no row)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const erased = new client.Gauge({ name: 'lethe_contacts_erased_total', help: 'Contacts erased by erase operations so far (single-contact erases included)', registers: [registry] });
  const oldest = new client.Gauge({
    name: 'lethe_oldest_pending_operation_age_seconds',
    help: 'Age of the oldest operation still queued or processing (0 when none): work waiting on a worker',
    registers: [registry],
  });
  const backlog = new client.Gauge({ name: 'lethe_scrub_backlog', help: 'Finished operations whose storage scrub after erasure is still owed', registers: [registry] });
  const requestsOpen = new client.Gauge({ name: 'lethe_privacy_requests_open', help: 'Privacy requests (erasure, access) received or in progress, every account', registers: [registry] });
  const requestsDueSoon = new client.Gauge({ name: 'lethe_privacy_requests_due_soon', help: 'Open privacy requests due within 7 days (overdue ones included)', registers: [registry] });
  const requestsOverdue = new client.Gauge({ name: 'lethe_privacy_requests_overdue', help: 'Open privacy requests past their deadline: alert on this', registers: [registry] });
  const worker = new client.Gauge({
    name: 'lethe_worker_state',
    help: "This process's embedded operations worker: 1 for its current state (disabled: lethe worker processes do the work)",
    labelNames: ['state'] as const,
    registers: [registry],
  });

  /** Reads the figures once and sets every gauge: call before each scrape. */
  return async () => {
    const f = await core.operationReports.serverFigures();
    for (const state of OPERATION_STATES) operations.set({ state }, f.operationsByState[state] ?? 0);
    for (const status of CONTACT_STATUSES) contacts.set({ status }, f.contactsByStatus[status] ?? 0);
    erased.set(f.contactsErased);
    oldest.set(f.oldestPendingCreatedAt === null ? 0 : Math.max(0, (core.deps.clock.now() - f.oldestPendingCreatedAt) / 1000));
    backlog.set(f.scrubBacklog);
    const r = await core.requests.figures();
    requestsOpen.set(r.open);
    requestsDueSoon.set(r.dueSoon);
    requestsOverdue.set(r.overdue);
    const current = workerStatus();
    for (const state of WORKER_STATES) worker.set({ state }, state === current ? 1 : 0);
  };
}

import type { Actor, CoreDeps } from '../context.js';
import { AppError } from '../errors.js';
import type { CreateOperationInput, Operation, OperationKindHandler, OperationListQuery, OperationTarget, TargetQuery } from './operation.js';

/** Bulk deletion work (and other background kinds): create, read, cancel. The worker runs it. */
export class OperationsService {
  readonly #kinds = new Map<string, OperationKindHandler>();

  constructor(private readonly deps: CoreDeps) {}

  /** Validates, dedupes and stores the targets, queues the work and wakes the worker; returns at once. */
  async create(actor: Actor, input: CreateOperationInput): Promise<Operation> {
    void actor;
    void input;
    void this.deps;
    throw new AppError('INTERNAL', 'not implemented');
  }

  /** An operation of the acting account, by id or uuid (NOT_FOUND otherwise). */
  async get(actor: Actor, ref: number | string): Promise<Operation> {
    void actor;
    void ref;
    throw new AppError('INTERNAL', 'not implemented');
  }

  async list(actor: Actor, query: OperationListQuery): Promise<{ items: Operation[]; nextCursor: string | null }> {
    void actor;
    void query;
    throw new AppError('INTERNAL', 'not implemented');
  }

  /** Per-target outcomes; a value is shown only while pending, afterwards only its keyed hash. */
  async targets(actor: Actor, ref: number | string, query: TargetQuery): Promise<{ items: OperationTarget[]; nextCursor: string | null }> {
    void actor;
    void ref;
    void query;
    throw new AppError('INTERNAL', 'not implemented');
  }

  /** Cancels a queued operation at once, a running one at its next chunk boundary. */
  async cancel(actor: Actor, ref: number | string): Promise<Operation> {
    void actor;
    void ref;
    throw new AppError('INTERNAL', 'not implemented');
  }

  /** Plugs in a kind of background work (imports). */
  registerKind(kind: string, handler: OperationKindHandler): void {
    if (this.#kinds.has(kind)) throw new Error(`operation kind ${kind} is already registered`);
    this.#kinds.set(kind, handler);
  }

  handlerOf(kind: string): OperationKindHandler | undefined {
    return this.#kinds.get(kind);
  }
}

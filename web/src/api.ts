/**
 * The dashboard's one way to the server: /v1 only, with the session's cookie (HttpOnly: the
 * page never sees it), the CSRF header on anything that changes something, and
 * `on-behalf-of` when a parent account's user acts for a sub-account.
 */

export type Scope = 'read' | 'write' | 'delete' | 'erase' | 'admin';

export interface Session {
  key_id: string | null;
  account: { id: number; name: string; parent_id: number | null };
  scopes: Scope[];
  via: 'session' | 'key';
  expires_at: string | null;
}

export interface Counts { expected: number; processed: number; succeeded: number; not_found: number; invalid: number; failed: number; skipped: number; duplicates: number }

export interface Operation {
  id: number;
  uuid: string;
  account_id: number;
  parent_id: number | null;
  kind: string;
  action: string;
  label: string | null;
  selector: { kind: string; size: number };
  dry_run: boolean;
  state: 'queued' | 'processing' | 'completed' | 'failed' | 'canceled';
  counts: Counts;
  progress: number;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  rate_per_second: number | null;
  eta_seconds: number | null;
  outcome: string;
  requested_by: { key_id: string | null; via: string; operator: string | null };
  error: { code: string; message: string } | null;
  children?: Operation[];
}

export interface Page<T> { data: T[]; next_cursor: string | null }

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string, readonly field?: string) {
    super(message);
  }
}

let acting: string | null = null;
let onSignedOut: () => void = () => undefined;

/** The sub-account acted for (`on-behalf-of`), or null for the key's own account. */
export const setActing = (name: string | null): void => {
  acting = name;
};
export const getActing = (): string | null => acting;
export const whenSignedOut = (handler: () => void): void => {
  onSignedOut = handler;
};

const headersFor = (method: string, json: boolean, own: boolean): Record<string, string> => ({
  accept: 'application/json',
  ...(method !== 'GET' ? { 'x-lethe-csrf': '1' } : {}),
  ...(json ? { 'content-type': 'application/json' } : {}),
  ...(acting !== null && !own ? { 'on-behalf-of': acting } : {}),
});

async function failure(res: Response): Promise<ApiError> {
  let body: { detail?: string; title?: string; code?: string; field?: string } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(res.status, body.detail ?? body.title ?? `the server answered ${res.status}`, body.code, body.field);
}

/**
 * Calls /v1. `own`: the request is about the session itself (no on-behalf-of). A 401 on
 * anything but signing in means the session ended (expired, signed out elsewhere, key revoked).
 */
export async function api<T>(method: string, path: string, body?: unknown, options: { own?: boolean } = {}): Promise<T> {
  const res = await fetch(`/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body !== undefined, options.own ?? false),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401 && path !== '/sessions') onSignedOut();
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A query string of the defined values. */
export const query = (params: Record<string, string | number | undefined | null>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/**
 * Follows an operation's Server-Sent Events (GET /v1/operations/{id}/stream) until it is
 * final. Read with fetch rather than EventSource, which cannot send `on-behalf-of`.
 */
export async function followOperation(id: number | string, onOperation: (op: Operation) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`/v1/operations/${id}/stream`, { credentials: 'same-origin', headers: { accept: 'text/event-stream', ...headersFor('GET', false, false) }, signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data) continue;
      if (event === 'error') throw new ApiError(401, 'the session ended', 'UNAUTHENTICATED');
      onOperation(JSON.parse(data) as Operation);
      if (event === 'done') return;
    }
  }
}

/** Uploads a CSV import as multipart/form-data, reporting the bytes sent (XMLHttpRequest has upload progress; fetch has none). */
export function uploadImport(file: File, params: string, onProgress: (fraction: number) => void): Promise<{ id: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/imports${params}`);
    for (const [k, v] of Object.entries(headersFor('POST', false, false))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { id?: number; detail?: string; code?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300 && typeof body.id === 'number') resolve({ id: body.id });
      else reject(new ApiError(xhr.status, body.detail ?? `the server answered ${xhr.status}`, body.code));
    };
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed (network)'));
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

export const hasScope = (session: Session | null, scope: Scope): boolean => !!session && (session.scopes.includes('admin') || session.scopes.includes(scope));

export const FINAL_STATES = ['completed', 'failed', 'canceled'];

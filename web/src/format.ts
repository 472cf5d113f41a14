const number = new Intl.NumberFormat('en');

export const n = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : number.format(value));

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) + ' UTC' : '–');

export const pct = (fraction: number): string => `${Math.floor(fraction * 1000) / 10}%`;

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const ACTION_NAMES: Record<string, string> = { soft_delete: 'Soft delete', restore: 'Restore', erase: 'Erase', purge: 'Purge', import: 'Import' };
export const actionName = (action: string): string => ACTION_NAMES[action] ?? action;

export const SURFACES = ['native', 'sendgrid', 'mailjet', 'marketing-cloud', 'constant-contact', 'cli', 'scheduler'];

import type { LoadFigures } from './fixture.js';
import type { ScenarioResult } from './scenarios.js';

export interface BenchReport {
  lethe: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; loadAverage: number[] };
  engine: 'sqlite' | 'postgres';
  contacts: number;
  events: number;
  seed: number;
  workers: string;
  runtime: string;
  chunkSize: number | 'default';
  load: (LoadFigures & { reused: false }) | { reused: true; note: string };
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean | null;
}

const num = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${Math.round(bytes / 1024 / 1024)} MB`);

/** The issue's targets (stated at 1M contacts on a 2-core machine), checked against this run's figures. */
export function checkTargets(scenarios: ScenarioResult[], load: BenchReport['load']): TargetCheck[] {
  const by = (name: string) => scenarios.find((s) => s.name === name && s.status === 'ok');
  const checks: TargetCheck[] = [];
  for (const name of ['erase', 'purge']) {
    const s = by(name);
    checks.push({ target: `${name} all within 2× the floor`, value: s?.floor ? `${num(s.floor.ratio, 2)}×` : 'not run', met: s?.floor ? s.floor.ratio <= 2 : null });
  }
  const job = by('erasejob');
  checks.push({ target: 'erase job of 5,000 emails under 1 s', value: job?.seconds !== undefined ? `${num(job.seconds, 3)} s` : 'not run', met: job?.seconds !== undefined ? job.seconds < 1 : null });
  const erase = by('erase');
  checks.push({ target: 'read p99 under 50 ms during the big erase', value: erase?.latency ? `${num(erase.latency.during.p99Ms, 1)} ms` : 'not run', met: erase?.latency ? erase.latency.during.p99Ms < 50 : null });
  const mc = by('mcdelete');
  checks.push({ target: 'Marketing Cloud delete of 1,000,000 keys within 1.5× of /v1/operations', value: mc?.compared ? `${num(mc.compared.ratio, 2)}×` : 'not run', met: mc?.compared ? mc.compared.ratio <= 1.5 : null });
  const peaks = scenarios.filter((s) => s.peakRssBytes).map((s) => s.peakRssBytes?.total ?? 0);
  const peak = peaks.length ? Math.max(...peaks) : undefined;
  checks.push({ target: 'peak RSS under 500 MB', value: peak === undefined ? 'not run' : mb(peak), met: peak === undefined ? null : peak < 500 * 1024 * 1024 });
  const imp = by('import');
  const importRate = imp?.rowsPerSecond ?? (!load.reused && load.path === 'import' ? load.rowsPerSecond : undefined);
  checks.push({ target: 'import at 100,000 rows/s or more', value: importRate === undefined ? 'not run' : `${num(importRate)} rows/s`, met: importRate === undefined ? null : importRate >= 100_000 });
  return checks;
}

export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`Lethe ${report.lethe} · ${report.engine} · ${num(report.contacts)} contacts / ${num(report.events)} events · seed ${report.seed} · workers: ${report.workers} · runtime ${report.runtime} · chunk size ${report.chunkSize}`);
  lines.push(`machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, load average at start ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`);
  lines.push(
    report.load.reused
      ? `data set: ${report.load.note}`
      : `data set loaded through ${report.load.description}: ${num(report.load.seconds, 1)} s, ${num(report.load.contactsPerSecond)} contacts/s, ${num(report.load.rowsPerSecond)} rows/s`,
  );
  lines.push('');
  const header = ['scenario', 'status', 'contacts', 'rows', 'seconds', 'contacts/s', 'rows/s', 'floor s', 'ratio', 'floor+scrub', 'ratio', 'peak RSS'];
  const rows = report.scenarios.map((s) => [
    s.name,
    s.status,
    num(s.contacts),
    num(s.rows),
    num(s.seconds, 2),
    num(s.contactsPerSecond),
    num(s.rowsPerSecond),
    num(s.floor?.seconds, 2),
    s.floor ? `${num(s.floor.ratio, 2)}×` : '-',
    s.floor ? num(s.floor.seconds + s.floor.scrubSeconds, 2) : '-',
    s.floor ? `${num(s.floor.ratioWithScrub, 2)}×` : '-',
    mb(s.peakRssBytes?.total),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  lines.push(line(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(line(r));
  lines.push('');
  for (const s of report.scenarios) {
    lines.push(`${s.name}: ${s.title}${s.via ? ` — via ${s.via}` : ''}${s.reason ? ` — ${s.reason}` : ''}`);
    if (s.operation) lines.push(`  operation ${s.operation.id}: ${s.operation.state} ${JSON.stringify(s.operation.counts)}`);
    if (s.floor) lines.push(`  floor: ${s.floor.statements}; scrub ${num(s.floor.scrubSeconds, 2)} s`);
    if (s.compared) lines.push(`  compared: ${s.compared.via} ${num(s.compared.seconds, 2)} s; ratio ${num(s.compared.ratio, 2)}×`);
    if (s.latency) {
      for (const [label, l] of [['idle', s.latency.idle], ['during', s.latency.during]] as const) {
        lines.push(`  reads ${label.padEnd(6)}: ${num(l.requests)} GETs in ${num(l.seconds, 1)} s, p50 ${num(l.p50Ms, 1)} ms, p99 ${num(l.p99Ms, 1)} ms, max ${num(l.maxMs, 1)} ms, errors ${l.errors}`);
      }
    }
    if (s.peakRssBytes) lines.push(`  peak RSS: server ${mb(s.peakRssBytes.server)}, workers ${mb(s.peakRssBytes.workers)}`);
  }
  lines.push('');
  lines.push('targets (stated for 1M contacts):');
  for (const t of report.targets) lines.push(`  [${t.met === null ? ' ' : t.met ? 'x' : ' '}] ${t.target}: ${t.value}${t.met === false ? ' — NOT MET' : ''}`);
  return lines.join('\n');
}

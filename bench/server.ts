import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_ADMIN_KEY, BENCH_SECRET } from './fixture.js';
import type { Place } from './places.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** How `lethe` processes are launched: from source through tsx, or the compiled build in dist/ (as deployed). */
export type Runtime = 'tsx' | 'dist';
let cli = ['--import', 'tsx', 'src/cli/main.ts'];
let extraEnv: Record<string, string> = {};

export function configureLaunch(options: { runtime: Runtime; env: Record<string, string> }): void {
  cli = options.runtime === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  extraEnv = options.env;
}

/** Peak resident set (VmHWM) of a process, in bytes; 0 once it is gone. */
export function peakRssOf(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and its descendants (worker processes a server may start), from /proc. */
function familyOf(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(...familyOf(Number(task)));
  } catch {
    // gone, or no children file
  }
  return out;
}

export interface LetheProcess {
  name: string;
  child: ChildProcess;
  /** Highest peak RSS seen for this process (and its descendants) so far, in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

function track(name: string, child: ChildProcess): LetheProcess {
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const pid of familyOf(child.pid as number)) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peakRssOf(pid)));
  };
  // Descendants may come and go; VmHWM keeps each one's peak while it lives.
  const timer = setInterval(sample, 500);
  timer.unref();
  return {
    name,
    child,
    peakRss: () => {
      if (child.exitCode === null) sample();
      return [...peaks.values()].reduce((a, b) => a + b, 0);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode === null) sample();
        clearInterval(timer);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

const envOf = (place: Place): NodeJS.ProcessEnv => ({
  ...process.env,
  LETHE_DATA_DIR: place.dataDir,
  DATABASE_URL: place.databaseUrl,
  LETHE_SECRET: BENCH_SECRET,
  LETHE_ADMIN_KEY: BENCH_ADMIN_KEY,
  // Request logs of a benchmark are noise (and cost time); warnings and errors still show.
  LOG_LEVEL: 'warn',
  // The SendGrid erase job's limit is per minute; a benchmark sends a handful.
  LETHE_ERASEJOB_RATE_LIMIT: '1000',
  ...extraEnv,
});

function launch(args: string[], place: Place, ready: RegExp, timeoutMs = 60_000): Promise<{ child: ChildProcess; output: () => string; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, env: envOf(place), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (d: Buffer) => {
    output += d.toString('utf8');
    // Keep the tail only: a long run must not grow the bench's own memory.
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lethe ${args[0]} not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => output, match });
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lethe ${args[0]} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

export interface Server extends LetheProcess {
  baseUrl: string;
  output(): string;
}

/** `lethe serve` on a free port, on the given place; its embedded worker unless `embeddedWorker` is false. */
export async function startServer(place: Place, options: { embeddedWorker: boolean }): Promise<Server> {
  const args = ['serve', '--port', '0', '--host', '127.0.0.1', ...(options.embeddedWorker ? [] : ['--no-worker'])];
  const { child, output, match } = await launch(args, place, /(https?:\/\/[\d.]+:\d+)/);
  return { ...track('server', child), baseUrl: match[1] as string, output };
}

/** `lethe worker` processes, when the CLI has the command; undefined otherwise. */
export async function startWorker(place: Place, index: number): Promise<LetheProcess> {
  const child = spawn(process.execPath, [...cli, 'worker'], { cwd: root, env: envOf(place), stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (child.exitCode !== null) throw new Error(`lethe worker exited with ${child.exitCode}`);
  return track(`worker ${index}`, child);
}

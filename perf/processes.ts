/**
 * Child processes of the benchmark (aigw, two Envoys): spawning with logs in the temp
 * directory, readiness polling, CPU and memory readings from /proc, and cleanup on every
 * way out (normal end, error, SIGINT/SIGTERM).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process the benchmark started. */
export interface Child {
  /** Short name for messages ('aigw', 'envoy-aigw', ...). */
  name: string;
  pid: number;
  process: ChildProcess;
  /** stdout and stderr both go here. */
  logPath: string;
}

const children = new Set<Child>();
const tempDirs = new Set<string>();
let cleanupInstalled = false;

/** A fresh temporary directory, removed by {@link cleanupSync} unless `remove` is false. */
export function makeTempDir(prefix = 'aigw-bench-', remove = true): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (remove) tempDirs.add(dir);
  return dir;
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `command` in its own process group with stdout and stderr appended to
 * `<dir>/<name>.log`; the child is tracked for cleanup.
 */
export function spawnLogged(name: string, command: string, args: readonly string[], dir: string): Child {
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const tracked: Child = { name, pid: child.pid, process: child, logPath };
    children.add(tracked);
    child.once('exit', () => children.delete(tracked));
    return tracked;
  } finally {
    closeSync(fd);
  }
}

/** Whether the child is still running. */
export function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** The last `lines` lines of a child's log, for error messages. */
export function logTail(child: Child, lines = 30): string {
  if (!existsSync(child.logPath)) return '';
  return readFileSync(child.logPath, 'utf8').split('\n').slice(-lines).join('\n');
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    // The child leads its own group (detached): this reaches it and anything it started.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every tracked child and removes temp directories, synchronously (safe in 'exit'). */
export function cleanupSync(): void {
  for (const child of children) {
    if (isRunning(child)) signalGroup(child, 'SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Installs exit and signal handlers that always run {@link cleanupSync}. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      cleanupSync();
      process.exit(130);
    });
  }
}

/**
 * Polls `check` every 50 ms until it returns true; fails early when `child` exits and
 * after `timeoutMs`, quoting the child's log.
 */
export async function waitUntil(what: string, child: Child, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      const how = child.process.exitCode !== null ? `code ${child.process.exitCode}` : `signal ${child.process.signalCode}`;
      throw new Error(`${child.name} exited (${how}) while waiting for ${what}:\n${logTail(child)}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}:\n${logTail(child)}`);
}

/** Resolves once Envoy's admin `/ready` says LIVE. */
export function waitForEnvoy(child: Child, adminPort: number): Promise<void> {
  return waitUntil(`${child.name} admin /ready`, child, async () => {
    const response = await fetch(`http://127.0.0.1:${adminPort}/ready`);
    return (await response.text()).trim() === 'LIVE';
  });
}

/** Resolves once aigw's admin `/readyz` answers 200. */
export function waitForAigw(child: Child, adminPort: number): Promise<void> {
  return waitUntil('aigw /readyz', child, async () => {
    const response = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  });
}

let ticksPerSecond: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`, read once; 100 if that fails). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may contain spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / clockTicksPerSecond();
}

/** A `kB` value from /proc/PID/status (e.g. VmHWM, VmRSS), in bytes. */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The version line of `envoy --version` (e.g. '.../1.36.4/Clean/RELEASE/BoringSSL'). */
export function envoyVersion(bin: string): string {
  try {
    const output = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30000 });
    const match = /version:\s*(\S+)/.exec(output);
    return match ? match[1] : output.trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The path of an executable `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

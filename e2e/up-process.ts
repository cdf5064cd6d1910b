import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findEnvoy } from '../src/envoy-binary';
import { TEST_KEY, freePort, waitFor, withCaller } from './harness';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it ended. */
  at: number;
}

/** `aigw up` as a real child process (aigw plus the Envoy it runs), serving one model `m` on a provider. */
export class UpProcess {
  private text = '';
  /** Resolves when the aigw process has ended and its output has been read. */
  readonly exited: Promise<Exit>;

  private constructor(
    readonly child: ChildProcess,
    readonly listener: string,
    readonly admin: string,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    // 'exit' can come before the last output has been read; 'close' waits for it, but also for
    // every other holder of the pipes (an Envoy left behind), hence the bound.
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const exit = { code, signal, at: Date.now() };
        const timer = setTimeout(() => resolve(exit), 2000);
        child.once('close', () => {
          clearTimeout(timer);
          resolve(exit);
        });
      }),
    );
  }

  /** Starts `aigw up` (with `envoyBin` as ENVOY_BIN when given) and waits until a request through its Envoy is answered. */
  static async start(providerUrl: string, drainSeconds: number, envoyBin?: string): Promise<UpProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-up-'));
    const [listenerPort, envoyAdminPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const config = withCaller({
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort: envoyAdminPort, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: `127.0.0.1:${adminPort}`, drainSeconds },
      backends: [{ name: 'p', kind: 'openai', baseUrl: `${providerUrl}/v1` }],
      models: [{ name: 'm', backends: [{ backend: 'p' }] }],
    });
    writeFileSync(join(dir, 'aigw.yaml'), stringify(config));
    // Its own TMPDIR, to see what `aigw up` leaves behind there.
    mkdirSync(join(dir, 'tmp'));
    const env = { ...process.env, ENVOY_BIN: envoyBin ?? findEnvoy(), TMPDIR: join(dir, 'tmp') };
    const child = spawn(process.execPath, [CLI, 'up', '--config', join(dir, 'aigw.yaml')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const up = new UpProcess(child, `http://127.0.0.1:${listenerPort}`, `http://127.0.0.1:${adminPort}`, dir);
    await waitFor(async () => (await up.connect()) === 200, 20_000).catch(() => {
      throw new Error(`aigw up did not serve: ${up.output}`);
    });
    return up;
  }

  /** What is in the process's TMPDIR now. */
  tempEntries(): string[] {
    return readdirSync(join(this.dir, 'tmp'));
  }

  /** Everything aigw and Envoy wrote so far. */
  get output(): string {
    return this.text;
  }

  /**
   * One chat request on a new connection: its status, or 'refused' when nothing accepts the
   * connection (another network error is its code).
   */
  connect(): Promise<number | string> {
    return new Promise((resolve) => {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const request = httpRequest(`${this.listener}/v1/chat/completions`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? error.message)));
      request.end(body);
    });
  }

  /** The pid of the Envoy binary this aigw runs (found among its descendants, however it was spawned). */
  envoyPid(): number {
    const envoy = findEnvoy();
    const found = descendants(this.child.pid ?? -1).filter((pid) => commandLine(pid)[0] === envoy);
    if (found.length !== 1) throw new Error(`expected one Envoy under aigw ${this.child.pid}, found ${JSON.stringify(found)}`);
    return found[0];
  }

  /** Kills what is left (aigw, and an Envoy it left behind), and removes the config directory. */
  async close(envoyPid?: number): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    if (envoyPid !== undefined && alive(envoyPid)) process.kill(envoyPid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether a process runs (a zombie, dead but not yet reaped, does not). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A process's argv, from /proc (empty when it is gone). */
function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Every live descendant of `root`, from the parent pids in /proc. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state, ppid, …
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() ?? -1) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

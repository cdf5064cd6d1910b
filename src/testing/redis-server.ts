import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** The redis-server binary: REDIS_SERVER, else the one on PATH (Debian's redis-server). */
export function redisServerBinary(): string {
  return process.env.REDIS_SERVER ?? 'redis-server';
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A real redis-server on a free port, without persistence; can be stopped and started again on the same port. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    /** AUTH password the server requires (`--requirepass`), if any. */
    private readonly password?: string,
  ) {}

  static async start(options: { password?: string } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options.password);
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and waits until it accepts connections. */
  async resume(): Promise<void> {
    const auth = this.password === undefined ? [] : ['--requirepass', this.password];
    const child = spawn(redisServerBinary(), ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth], { stdio: 'ignore' });
    this.child = child;
    let missing: Error | undefined;
    child.once('error', (error: NodeJS.ErrnoException) => {
      missing = error.code === 'ENOENT' ? new Error(`no redis-server at "${redisServerBinary()}" (apt-get install redis-server, or set REDIS_SERVER)`) : error;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (missing) throw missing;
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (await accepting(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('redis-server did not start');
  }

  /**
   * Freezes the server for `ms` (SIGSTOP, then SIGCONT): connections stay open and commands
   * wait in their sockets, as in a stalled host, then all run in order. Resolves once it
   * runs again; the freeze starts before this returns.
   */
  freeze(ms: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.reject(new Error('redis-server is not running'));
    child.kill('SIGSTOP');
    return new Promise((resolve) =>
      setTimeout(() => {
        child.kill('SIGCONT');
        resolve();
      }, ms),
    );
  }

  /** Stops the server (its data is gone). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

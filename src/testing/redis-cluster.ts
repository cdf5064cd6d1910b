import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { accepting, freePort, redisServerBinary } from './redis-server';

const run = promisify(execFile);

/** redis-cli: REDIS_CLI, else the one on PATH (installed with Debian's redis-server). */
function cliBinary(): string {
  return process.env.REDIS_CLI ?? 'redis-cli';
}

/**
 * A real three-node Redis Cluster (three masters, no replicas) on free ports, formed with
 * `redis-cli --cluster create` as an operator would, without persistence. Each node keeps
 * its cluster state in a file under a temporary directory, removed by stop().
 */
export class RedisCluster {
  private constructor(
    readonly ports: readonly number[],
    private readonly children: ChildProcess[],
    private readonly directory: string,
  ) {}

  static async start(nodes = 3): Promise<RedisCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'aigw-redis-cluster-'));
    const ports: number[] = [];
    for (let index = 0; index < nodes; index += 1) ports.push(await freePort());
    const children = ports.map((port) => startNode(port, directory));
    const cluster = new RedisCluster(ports, children, directory);
    try {
      await cluster.waitAccepting();
      await run(cliBinary(), ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
      await cluster.waitState('ok');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** A seed URL (the first node); clients discover the others from it. */
  get url(): string {
    return `redis://127.0.0.1:${this.ports[0]}`;
  }

  /** `CLUSTER KEYSLOT key` asked of the cluster itself. */
  async keySlot(key: string): Promise<number> {
    const { stdout } = await run(cliBinary(), ['-p', String(this.ports[0]), 'cluster', 'keyslot', key]);
    return Number(stdout.trim());
  }

  /** The port of the master that holds `key`'s slot (from its own CLUSTER NODES line). */
  async portOf(key: string): Promise<number> {
    const slot = await this.keySlot(key);
    for (const port of this.ports) {
      const { stdout } = await run(cliBinary(), ['-p', String(port), 'cluster', 'nodes']);
      const own = stdout.split('\n').find((line) => line.includes('myself'));
      const ranges = (own ?? '').split(' ').slice(8);
      const holds = ranges.some((range) => {
        const [low, high = low] = range.split('-').map(Number);
        return slot >= low && slot <= high;
      });
      if (holds) return port;
    }
    throw new Error(`no node holds slot ${slot}`);
  }

  /** Kills one node (its data is gone; its cluster state file stays). */
  async stopNode(port: number): Promise<void> {
    const index = this.ports.indexOf(port);
    await kill(this.children[index]);
  }

  /** Starts a stopped node again on its port; it rejoins with its slots, and the cluster is ok again. */
  async resumeNode(port: number): Promise<void> {
    this.children[this.ports.indexOf(port)] = startNode(port, this.directory);
    await this.waitAccepting();
    await this.waitState('ok');
  }

  /** Stops every node and removes their state files. */
  async stop(): Promise<void> {
    await Promise.all(this.children.map(kill));
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async waitAccepting(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (const [index, port] of this.ports.entries()) {
      while (!(await accepting(port))) {
        if (this.children[index].exitCode !== null) throw new Error(`redis-server on ${port} exited with ${this.children[index].exitCode}`);
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  /** Waits until every node's `CLUSTER INFO` reports cluster_state:<state>. */
  private async waitState(state: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (const port of this.ports) {
      for (;;) {
        const { stdout } = await run(cliBinary(), ['-p', String(port), 'cluster', 'info']);
        if (stdout.includes(`cluster_state:${state}`)) break;
        if (Date.now() > deadline) throw new Error(`redis cluster node ${port} did not reach cluster_state:${state}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/** One cluster-enabled redis-server without persistence; its cluster state file lives in `directory`. */
function startNode(port: number, directory: string): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  return spawn(redisServerBinary(), [...args, '--cluster-enabled', 'yes', '--cluster-config-file', join(directory, `nodes-${port}.conf`), '--dir', directory], { stdio: 'ignore' });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

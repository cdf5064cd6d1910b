import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeExit, spawnGuarded } from './envoy-guardian';

function exited(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(describeExit(code, signal))));
}

/** Whether a process runs; on Linux a zombie (dead, not yet reaped by whoever adopted it) does not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('the Envoy guardian', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aigw-guardian-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("exits with the command's status, so aigw sees how Envoy ended", async () => {
    expect(await exited(spawnGuarded('sh', ['-c', 'exit 3']))).toBe('exit code 3');
    expect(await exited(spawnGuarded('sh', ['-c', 'exit 0']))).toBe('exit code 0');
    expect(await exited(spawnGuarded('sh', ['-c', 'kill -KILL $$']))).toBe('killed by SIGKILL');
  });

  test('the end of its stdin (aigw closing it, or dying) sends SIGTERM to the command and what it started', async () => {
    // A wrapper that does not exec: the process to stop is the wrapper's child.
    const pidFile = join(dir, 'grandchild.pid');
    const child = spawnGuarded('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`]);
    const ended = exited(child);
    expect(await until(() => readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }).trim() !== '', 5000)).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(running(grandchild)).toBe(true);
    child.stdin?.destroy();
    expect(await ended).toBe('killed by SIGTERM');
    expect(await until(() => !running(grandchild), 2000)).toBe(true);
  });

  test('describeExit names the signal a shell reports as 128+N', () => {
    expect([describeExit(null, 'SIGKILL'), describeExit(137, null), describeExit(143, null), describeExit(1, null)]).toEqual([
      'killed by SIGKILL',
      'killed by SIGKILL',
      'killed by SIGTERM',
      'exit code 1',
    ]);
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The checkout's root, where the CLI runs. */
export const ROOT = join(__dirname, '..');
/** The built CLI (`npm test` builds first). */
export const CLI = join(ROOT, 'dist', 'src', 'cli.js');

/** Runs the built `aigw` with `args` in the checkout root; OPENAI_API_KEY is cleared unless `env` sets it. */
export function aigw(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OPENAI_API_KEY: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

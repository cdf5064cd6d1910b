import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AigwConfigSchema, crossReferenceProblems } from './schema';
import type { AigwConfig } from './schema';

/** One problem in a config file, with the path of the value it is about. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown when a config file cannot be used; `problems` lists every reason at once. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: ${problems.length} problem(s)\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `backends[1].baseUrl: must start with http:// or https://` */
export function formatProblem(problem: ConfigProblem): string {
  return `  ${problem.path || '(root)'}: ${problem.message}`;
}

/** Renders a zod issue path the way users write it: `models[0].backends[1].backend`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function issueToProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  // Zod v4 reports unknown keys on the parent object; name them so the path points at the typo.
  if (issue.code === 'unrecognized_keys') {
    return [{ path: formatPath(issue.path), message: `unknown key(s): ${issue.keys.join(', ')}` }];
  }
  // A union (`memory` or `{ redis: … }`) that fails as a whole: when exactly one option got
  // past the value's shape (its problems lie deeper), those problems are the useful ones.
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.filter((errors) => errors.length > 0 && errors.every((inner) => inner.path.length > 0));
    if (deeper.length === 1) return deeper[0].flatMap((inner) => issueToProblems({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Validates a parsed YAML/JSON value; throws ConfigError with every problem. */
export function validateConfig(raw: unknown, source = 'config'): AigwConfig {
  const result = AigwConfigSchema.safeParse(raw ?? {});
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap(issueToProblems)),
    ...crossReferenceProblems(raw).map((problem) => ({ path: formatPath(problem.path), message: problem.message })),
  ];
  if (problems.length > 0 || !result.success) {
    // Natural order, so models[2] comes before models[10].
    problems.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
    throw new ConfigError(source, problems);
  }
  return result.data;
}

/** Parses YAML text and validates it. YAML syntax errors are reported with line numbers. */
export function parseConfigText(text: string, source = 'config'): AigwConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}` : '',
        message: error.message.split('\n')[0],
      })),
    );
  }
  return validateConfig(document.toJS(), source);
}

/** Reads and validates a config file. */
export function loadConfigFile(path: string): AigwConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(error as Error).message}` }]);
  }
  return parseConfigText(text, path);
}

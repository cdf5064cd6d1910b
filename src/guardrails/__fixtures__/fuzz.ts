/**
 * Pieces of the guardrail fuzz tests: a seeded PRNG, secrets and the forms they are written
 * in, templates walked leaf by leaf, and a search of an output for a secret, raw or decoded.
 *
 * Templates are written by hand per API, independently of the code under test. A string leaf
 * starting with `#` is structure (a role, type, id, model, base64 payload): its value is the
 * rest of the string, and no secret is put there. Every other string leaf is text a provider
 * or client reads: each gets every secret in every form, one at a time.
 */

export { prng } from '../../testing/prng';

/** A secret, and the part of it that must never appear in an output. */
export interface Secret {
  readonly name: string;
  readonly value: string;
  readonly needle: string;
}

export const SECRETS: readonly Secret[] = [
  { name: 'aws key', value: 'AKIAIOSFODNN7EXAMPLE', needle: 'AKIAIOSFODNN7EXAMPLE' },
  { name: 'email', value: 'jane.doe@example.com', needle: 'jane.doe@example.com' },
  {
    name: 'PEM private key',
    value: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----',
    needle: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  },
  { name: 'github token', value: 'ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123', needle: 'ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123' },
];

const WORDS = ['please', 'check', 'the', 'record', 'for', 'ticket', 'note:', 'value', 'is', 'see'];

/** The ways a secret is written into a text: in prose, alone, or JSON-escaped inside JSON text. */
export const FORMS = ['prose', 'whole', 'json-escaped'] as const;
export type Form = (typeof FORMS)[number];

/** `secret` written in `form`, with words around it drawn from `random`. */
export function written(secret: Secret, form: Form, random: () => number): string {
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)];
  if (form === 'whole') return secret.value;
  if (form === 'prose') return `${word()} ${word()} ${secret.value} ${word()}`;
  // JSON text whose string holds the secret with '@' and '-' escaped: only a decoder sees it.
  const json = JSON.stringify({ [word()]: `${word()} ${secret.value}`, n: Math.floor(random() * 100) });
  return json.replace(/@/g, '\\u0040').replace(/-/g, '\\u002d');
}

type Path = ReadonlyArray<string | number>;

/** Paths of the text leaves (strings not starting with '#') of a template. */
export function textLeaves(template: unknown, path: Path = []): Path[] {
  if (typeof template === 'string') return template.startsWith('#') ? [] : [path];
  if (Array.isArray(template)) return template.flatMap((item, index) => textLeaves(item, [...path, index]));
  if (typeof template !== 'object' || template === null) return [];
  return Object.entries(template).flatMap(([key, value]) => textLeaves(value, [...path, key]));
}

/** The template as a real body: `#` markers dropped, the leaf at `at` (if any) set to `value`. */
export function instantiate(template: unknown, at?: Path, value?: string, path: Path = []): unknown {
  if (at && path.length === at.length && path.every((part, index) => part === at[index])) return value;
  if (typeof template === 'string') return template.startsWith('#') ? template.slice(1) : template;
  if (Array.isArray(template)) return template.map((item, index) => instantiate(item, at, value, [...path, index]));
  if (typeof template !== 'object' || template === null) return template;
  return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, instantiate(item, at, value, [...path, key])]));
}

/** The template with fields no API defines added at random objects (text, or text nested in objects and arrays). */
export function withUnknownFields(template: unknown, random: () => number): unknown {
  if (Array.isArray(template)) return template.map((item) => withUnknownFields(item, random));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) out[key] = withUnknownFields(value, random);
  if (random() < 0.35) out[`x_future_${Math.floor(random() * 1000)}`] = random() < 0.5 ? 'unknown text' : { deeper: ['unknown text', { more: 'unknown text' }] };
  return out;
}

/** Every string in a JSON value, keys included, and again inside strings that are JSON. */
export function decodedStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value);
    const first = value.trimStart()[0];
    if (first === '{' || first === '[' || first === '"') {
      try {
        decodedStrings(JSON.parse(value), out);
      } catch {
        // not JSON: the string itself is searched
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) decodedStrings(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      decodedStrings(item, out);
    }
  }
  return out;
}

/** Whether `output` (bytes as sent) carries the secret: raw, or in any decoded string. */
export function leaks(output: Buffer | string, secret: Secret): boolean {
  const text = output.toString();
  if (text.includes(secret.needle)) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return false;
  }
  return decodedStrings(parsed).some((string) => string.includes(secret.needle));
}

/** `a.b.0.c` for a path. */
export function pathName(path: Path): string {
  return path.join('.');
}

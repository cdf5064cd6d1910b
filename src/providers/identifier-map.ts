import { createHash } from 'node:crypto';
import { isValidIdentifier, replaceDisallowed, startsValid } from './identifier-rules';
import type { IdentifierRule } from './identifier-rules';

/**
 * The identifiers of one request (tool-call ids, tool names) rewritten for one backend's rule.
 * A history or a tool list written for one provider (OpenAI's `call_` + 60 characters,
 * `functions.get_weather:1` ids, MCP-style `github.create_issue` names) can break another's
 * rule, and the whole request then fails with a 400 after the failover that was meant to save it.
 *
 * The mapping is deterministic (the same value gives the same result, so a call and its result
 * stay paired, and a tool's declaration and its calls keep one name), keeps valid values as
 * they are, and keeps distinct values distinct: a rewritten value is the value's allowed
 * characters (after a `_` when the rule's first character would not allow it) plus a short hash
 * of the whole value, and a result already taken gets a counter. `original` maps a rewritten
 * value back.
 */
export class IdentifierMap {
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();

  /** Builds the map for every value of one request, valid ones first so none of them is ever taken. */
  constructor(
    private readonly rule: IdentifierRule,
    values: Iterable<string>,
  ) {
    const all = [...new Set(values)];
    for (const value of all) if (isValidIdentifier(rule, value)) this.keep(value, value);
    for (const value of all) if (!this.forward.has(value)) this.keep(value, this.freeValue(value));
  }

  /** True when at least one value had to change. */
  get rewritesAny(): boolean {
    for (const [value, sent] of this.forward) if (value !== sent) return true;
    return false;
  }

  /** The value to send for `value` (values the map was not built with pass unchanged). */
  providerValue(value: string): string {
    return this.forward.get(value) ?? value;
  }

  /** The client's value for one this map produced, else the value itself. */
  original(sent: string): string {
    return this.backward.get(sent) ?? sent;
  }

  /** Each value that had to change, with what is sent instead. */
  rewritten(): Array<[string, string]> {
    return [...this.forward].filter(([value, sent]) => value !== sent);
  }

  private keep(value: string, sent: string): void {
    this.forward.set(value, sent);
    this.backward.set(sent, value);
  }

  private freeValue(value: string): string {
    const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
    const max = this.rule.maxLength ?? 64;
    const allowed = replaceDisallowed(this.rule, value);
    // Gemini function names must start with a letter or `_`: `2fa.check` becomes `_2fa_check_…`.
    const lead = startsValid(this.rule, allowed === '' ? hash : allowed) ? '' : '_';
    const stem = `${lead}${allowed}`.slice(0, Math.max(0, max - hash.length - 1));
    let sent = stem === '' ? hash : `${stem}_${hash}`;
    for (let counter = 1; this.backward.has(sent); counter++) {
      const suffix = `_${hash}${counter}`;
      sent = `${stem.slice(0, max - suffix.length)}${suffix}`;
    }
    return sent;
  }
}

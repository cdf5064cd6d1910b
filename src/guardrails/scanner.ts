import type { Detector, Match } from './detector';
import { normalize } from './normalize';

/** What a rule does with what its detector finds. */
export type GuardrailAction = 'monitor' | 'redact' | 'block';

/** Which way the text flows. */
export type Direction = 'request' | 'response';

/** One detector and what to do with its matches. */
export interface Rule {
  readonly detector: Detector;
  readonly action: GuardrailAction;
}

/** One match of one rule; `end` is exclusive. The matched text itself is never kept. */
export interface Finding {
  readonly rule: Rule;
  readonly start: number;
  readonly end: number;
}

/** A finding with the position of its rule in the rule set, for resolving overlaps. */
export interface OrderedFinding extends Finding {
  readonly order: number;
}

/**
 * Overlapping matches of different detectors resolve to the one starting first, then the
 * longest, then the rule listed first (secrets are listed before the personal-data detectors
 * they may contain). Returns the kept findings in order; `from` is where the previous kept
 * finding ended.
 */
export function resolveOverlaps<T extends OrderedFinding>(findings: T[], from = 0): T[] {
  if (findings.length > 1) findings.sort((a, b) => a.start - b.start || b.end - a.end || a.order - b.order);
  const kept: T[] = [];
  let end = from;
  for (const finding of findings) {
    if (finding.start < end) continue;
    kept.push(finding);
    end = finding.end;
  }
  return kept;
}

/**
 * The rules for one direction of one policy, run together on the normalized text (see
 * normalize.ts); findings are spans of the original text.
 */
export class RuleSet {
  constructor(readonly rules: readonly Rule[]) {}

  /** Non-overlapping findings in order, as spans of the original `text`. */
  find(text: string): Finding[] {
    const normalized = normalize(text);
    const all: OrderedFinding[] = [];
    this.rules.forEach((rule, order) => {
      for (const match of rule.detector.find(normalized.text)) all.push({ rule, start: match.start, end: match.end, order });
    });
    const kept = resolveOverlaps(all);
    const map = normalized.map;
    return map ? originalSpans(kept, (start, end) => map.span(start, end)) : kept;
  }
}

/** Original spans of matches found in normalized text, never overlapping (a span covers whole original characters). */
export function originalSpans<T extends Match>(matches: readonly T[], span: (start: number, end: number) => Match): Array<T & Match> {
  const out: Array<T & Match> = [];
  let end = 0;
  for (const match of matches) {
    const original = span(match.start, match.end);
    const start = Math.max(original.start, end);
    if (original.end <= start) continue;
    out.push({ ...match, start, end: original.end });
    end = original.end;
  }
  return out;
}

/**
 * Placeholders of one request, shared by its request and response: the same value gets the
 * same placeholder (`[EMAIL_1]`), so a model can still tell two addresses apart.
 */
export class RedactionSession {
  private readonly byLabel = new Map<string, Map<string, string>>();

  placeholder(label: string, value: string): string {
    let values = this.byLabel.get(label);
    if (!values) this.byLabel.set(label, (values = new Map()));
    let placeholder = values.get(value);
    if (placeholder === undefined) {
      placeholder = `[${label}_${values.size + 1}]`;
      values.set(value, placeholder);
    }
    return placeholder;
  }
}

/** Text with redact findings replaced; monitor and block findings leave it as it is. */
export function redact(text: string, findings: readonly Finding[], session: RedactionSession): string {
  let out = '';
  let from = 0;
  for (const finding of findings) {
    if (finding.rule.action !== 'redact') continue;
    // Keyed by what the detector read, so `jane@x.io` and the same address with a zero-width space in it share a placeholder.
    out += text.slice(from, finding.start) + session.placeholder(finding.rule.detector.label, normalize(text.slice(finding.start, finding.end)).text);
    from = finding.end;
  }
  return from === 0 ? text : out + text.slice(from);
}

import type { Detector } from './detector';

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

/**
 * The rules for one direction of one policy, run together. Overlapping matches of
 * different detectors resolve to the one starting first, then the longest, then the rule
 * listed first (secrets are listed before the personal-data detectors they may contain).
 */
export class RuleSet {
  constructor(readonly rules: readonly Rule[]) {}

  /** Non-overlapping findings in order. */
  find(text: string): Finding[] {
    const all: Array<Finding & { order: number }> = [];
    this.rules.forEach((rule, order) => {
      for (const match of rule.detector.find(text)) all.push({ rule, start: match.start, end: match.end, order });
    });
    if (all.length <= 1) return all;
    all.sort((a, b) => a.start - b.start || b.end - a.end || a.order - b.order);
    const kept: Finding[] = [];
    let end = 0;
    for (const finding of all) {
      if (finding.start < end) continue;
      kept.push(finding);
      end = finding.end;
    }
    return kept;
  }

  /** Where the text's end stops being final: the earliest open tail of any rule. */
  openTail(text: string): number {
    let tail = text.length;
    for (const rule of this.rules) tail = Math.min(tail, rule.detector.openTail(text));
    return tail;
  }
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
    out += text.slice(from, finding.start) + session.placeholder(finding.rule.detector.label, text.slice(finding.start, finding.end));
    from = finding.end;
  }
  return from === 0 ? text : out + text.slice(from);
}

import type { DetectorStream, StreamWindow } from './detector';
import { Normalizer } from './normalize';
import type { Finding, OrderedFinding, RedactionSession, RuleSet } from './scanner';
import { originalSpans, redact, resolveOverlaps } from './scanner';

/**
 * One stream of text (a choice's content, a content block, a tool call's arguments) checked
 * as it arrives. Text that could still become part of a match — the open tail of any rule,
 * and any match that runs into it — is held back; everything before it goes out at once,
 * redacted. So a secret split across chunks at any position is caught whole, and text that
 * cannot start a match is not delayed.
 *
 * The cost of a chunk is bounded by the chunk, not by what is held: detectors read the
 * normalized stream through followers that keep their own state (an open key block is a
 * remembered header position, not text read again) and re-read at most their longest match.
 * What is held is bounded by the longest open tail of any detector (16 KiB, an open private
 * key block); nothing is released unchecked and nothing is refused for being held.
 */
export class TextChannel {
  private normalizer = new Normalizer();
  private followers: DetectorStream[];
  /** Per rule, its final findings not sent yet (normalized positions), oldest first. */
  private waiting: OrderedFinding[][];
  /** Original text received and not sent yet. */
  private pending = '';
  /** Where the text not sent yet starts, in the normalized and the original stream. */
  private sentNormalized = 0;
  private sentOriginal = 0;
  /** The end of the normalized stream, from `recentStart` on: what followers re-read. */
  private recent = '';
  private recentStart = 0;

  constructor(
    private readonly rules: RuleSet,
    private readonly session: RedactionSession,
    /** Called with the findings in the text being sent, before it is sent: a block throws here. */
    private readonly onFindings: (findings: readonly Finding[]) => void,
  ) {
    this.followers = rules.rules.map((rule) => rule.detector.follow());
    this.waiting = rules.rules.map(() => []);
  }

  /** Adds text; returns what can be sent now ('' while everything is held). */
  push(text: string): string {
    if (text.length === 0) return '';
    this.pending += text;
    this.recent += this.normalizer.push(text);
    return this.advance(false);
  }

  /** At the end of the channel: everything held, checked as final. The channel starts afresh after it. */
  flush(): string {
    let out = '';
    if (this.pending.length > 0) {
      this.recent += this.normalizer.finish();
      out = this.advance(true);
    }
    this.normalizer = new Normalizer();
    this.followers = this.rules.rules.map((rule) => rule.detector.follow());
    this.waiting = this.rules.rules.map(() => []);
    this.sentNormalized = this.sentOriginal = this.recentStart = 0;
    this.recent = '';
    return out;
  }

  /** Text held back now (characters of the original text). */
  get held(): number {
    return this.pending.length;
  }

  private advance(final: boolean): string {
    const window: StreamWindow = { text: this.recent, start: this.recentStart };
    const map = this.normalizer.map;
    const end = window.start + window.text.length;
    const blocking: OrderedFinding[] = [];
    let cut = end;
    this.followers.forEach((follower, order) => {
      const rule = this.rules.rules[order];
      for (const match of final ? follower.finish(window) : follower.push(window)) {
        const finding = { rule, start: match.start, end: match.end, order };
        this.waiting[order].push(finding);
        if (rule.action === 'block') blocking.push(finding);
      }
      cut = Math.min(cut, follower.open);
    });
    // A block needs no more text: refuse as soon as the match is final, before anything is sent.
    if (blocking.length > 0) this.onFindings(blocking.map((finding) => this.relative(finding, map.span(finding.start, finding.end))));
    const out = this.emit(Math.max(this.sentNormalized, cut));
    this.trimRecent();
    return out;
  }

  /** Sends the text before normalized position `cut`, moved back so no finding and no original character is split. */
  private emit(cut: number): string {
    const map = this.normalizer.map;
    cut = Math.max(this.sentNormalized, map.boundary(cut));
    const candidates: OrderedFinding[] = [];
    for (const queue of this.waiting) {
      let taken = 0;
      while (taken < queue.length && queue[taken].start < cut) taken++;
      if (taken > 0) candidates.push(...queue.splice(0, taken));
    }
    const kept = resolveOverlaps(candidates, this.sentNormalized);
    // A finding that runs past the cut is sent whole later: the cut moves to its start.
    for (let last = kept.at(-1); last && last.end > cut; last = kept.at(-1)) {
      cut = map.boundary(last.start);
      while (kept.length > 0 && (kept.at(-1)?.start ?? 0) >= cut) kept.pop();
    }
    const back = candidates.filter((finding) => finding.start >= cut);
    for (const finding of back.reverse()) this.waiting[finding.order].unshift(finding);
    // Characters the normalizer removed (a zero-width space) own no normalized position: at
    // the normalized end, what was sent may still end before them.
    const originalCut = map.start(cut);
    if (originalCut <= this.sentOriginal) return '';
    const findings = originalSpans(kept, (start, end) => map.span(start, end)).map((finding) => this.relative(finding, finding));
    const reported = findings.filter((finding) => finding.rule.action !== 'block');
    if (reported.length > 0) this.onFindings(reported);
    const out = redact(this.pending.slice(0, originalCut - this.sentOriginal), findings, this.session);
    this.pending = this.pending.slice(originalCut - this.sentOriginal);
    this.sentOriginal = originalCut;
    this.sentNormalized = cut;
    map.dropBefore(cut);
    return out;
  }

  /** A finding at an original span, relative to the text not sent yet. */
  private relative(finding: Finding, span: { start: number; end: number }): Finding {
    return { rule: finding.rule, start: span.start - this.sentOriginal, end: span.end - this.sentOriginal };
  }

  /** Forgets normalized text no follower reads again (in steps, so copying stays linear). */
  private trimRecent(): void {
    let needs = this.recentStart + this.recent.length;
    for (const follower of this.followers) needs = Math.min(needs, follower.needs);
    const drop = needs - this.recentStart;
    if (drop >= 64 && drop * 2 >= this.recent.length) {
      this.recent = this.recent.slice(drop);
      this.recentStart = needs;
    }
  }
}

import type { Finding, RedactionSession, RuleSet } from './scanner';
import { redact } from './scanner';

/** Characters of already-sent text kept so patterns that look one character back still see it. */
const CONTEXT = 16;

/**
 * One stream of text (a choice's content, a content block, a tool call's arguments) checked
 * as it arrives. Text that could still become part of a match — the open tail of any rule,
 * and any match that runs into it — is held back; everything before it goes out at once,
 * redacted. So a secret split across chunks at any position is caught whole, and text that
 * cannot start a match is not delayed.
 */
export class TextChannel {
  /** Text received but not sent yet. */
  private pending = '';
  /** The end of the text already sent (original, not redacted), for look-behind only. */
  private context = '';

  constructor(
    private readonly rules: RuleSet,
    private readonly session: RedactionSession,
    /** Called with the findings in the text being sent, before it is sent: a block throws here. */
    private readonly onFindings: (findings: readonly Finding[]) => void,
  ) {}

  /** Adds text; returns what can be sent now ('' while everything is held). */
  push(text: string): string {
    if (text.length === 0) return '';
    const buffer = this.context + this.pending + text;
    const base = this.context.length;
    let cut = Math.max(base, this.rules.openTail(buffer));
    const findings = this.rules.find(buffer).filter((finding) => finding.start >= base);
    for (const finding of findings) if (finding.start < cut && finding.end > cut) cut = finding.start;
    // A block needs no more text: refuse as soon as the match is whole.
    const blocking = findings.filter((finding) => finding.rule.action === 'block');
    if (blocking.length > 0) this.onFindings(blocking);
    return this.emit(buffer, base, cut, findings);
  }

  /** At the end of the channel: everything held, checked as final. */
  flush(): string {
    if (this.pending.length === 0) return '';
    const buffer = this.context + this.pending;
    const base = this.context.length;
    const findings = this.rules.find(buffer).filter((finding) => finding.start >= base);
    return this.emit(buffer, base, buffer.length, findings);
  }

  /** Text held back now. */
  get held(): number {
    return this.pending.length;
  }

  private emit(buffer: string, base: number, cut: number, findings: readonly Finding[]): string {
    const sent = findings.filter((finding) => finding.end <= cut).map((finding) => ({ ...finding, start: finding.start - base, end: finding.end - base }));
    if (sent.length > 0) this.onFindings(sent);
    const out = redact(buffer.slice(base, cut), sent, this.session);
    this.pending = buffer.slice(cut);
    this.context = buffer.slice(Math.max(0, cut - CONTEXT), cut);
    return out;
  }
}

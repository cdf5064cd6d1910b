import { DelegatingTranslator } from './delegating-translator';
import type { Translator } from './translator';

/**
 * A translator whose warnings start with the gateway's own (an output cap aigw set, for
 * example), so each attempt's `x-aigw-warning` names them whatever backend serves it;
 * everything else is the inner translator's.
 */
export class WithWarnings extends DelegatingTranslator {
  constructor(
    inner: Translator,
    private readonly extra: readonly string[],
  ) {
    super(inner);
  }

  override get warnings(): readonly string[] {
    return [...this.extra, ...this.inner.warnings];
  }
}

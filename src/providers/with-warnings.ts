import type { Translator, UpstreamRequest } from './translator';
import type { TokenUsage } from './usage';

/**
 * A translator whose warnings start with the gateway's own (an output cap aigw set, for
 * example), so each attempt's `x-aigw-warning` names them whatever backend serves it;
 * everything else is the inner translator's.
 */
export class WithWarnings implements Translator {
  constructor(
    private readonly inner: Translator,
    private readonly extra: readonly string[],
  ) {}

  get warnings(): readonly string[] {
    return [...this.extra, ...this.inner.warnings];
  }

  get responsePassesThrough(): boolean | undefined {
    return this.inner.responsePassesThrough;
  }

  get failedResponse(): boolean | undefined {
    return this.inner.failedResponse;
  }

  requestBody(): UpstreamRequest | Promise<UpstreamRequest> {
    return this.inner.requestBody();
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    return this.inner.responseBody(chunk, endOfStream);
  }

  responseError(status: number, body: Buffer): Buffer | undefined {
    return this.inner.responseError(status, body);
  }

  responseHeaders(headers: ReadonlyMap<string, string>): void {
    this.inner.responseHeaders?.(headers);
  }

  usage(): TokenUsage | undefined {
    return this.inner.usage();
  }
}

import type { Translator, UpstreamRequest } from './translator';
import type { TokenUsage } from './usage';

/**
 * A translator that hands every step to `inner`: the base of the wrappers that change one
 * step of another translator (Vertex's envelope, an Entra ID token, the gateway's warnings,
 * tool names mapped back), so each overrides only its step and none forgets to pass on the
 * others (response headers, a failed answer).
 */
export abstract class DelegatingTranslator implements Translator {
  constructor(protected readonly inner: Translator) {}

  get warnings(): readonly string[] {
    return this.inner.warnings;
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

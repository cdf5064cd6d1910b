import type { RuntimeBackend } from '../../config/runtime';
import { tokenUnavailable } from '../../credentials/token-source';
import type { TokenSource } from '../../credentials/token-source';
import { DelegatingTranslator } from '../delegating-translator';
import type { Translator, UpstreamRequest } from '../translator';

/**
 * A translator whose upstream requests carry the backend's short-lived bearer token (Azure
 * OpenAI with Entra ID) instead of a static credential; everything else is the inner
 * translator's. The inner one stays pure and synchronous; only this step waits for the token
 * (cached by the source, so a fetch is rare). A token that cannot be had is the attempt's 503
 * naming the source and the reason (tokenUnavailable), so Envoy may fail over.
 */
export class BearerTokenAuth extends DelegatingTranslator {
  constructor(
    inner: Translator,
    private readonly backendName: string,
    private readonly source: TokenSource,
  ) {
    super(inner);
  }

  override async requestBody(): Promise<UpstreamRequest> {
    const upstream = await this.inner.requestBody();
    let token;
    try {
      token = await this.source.token();
    } catch (error) {
      throw tokenUnavailable(this.backendName, this.source, error instanceof Error ? error.message : 'unknown error');
    }
    return { ...upstream, headers: { ...upstream.headers, authorization: `Bearer ${token.reveal()}` } };
  }
}

/** The translator, wrapped to send the backend's bearer token when it has a token source. */
export function withBearerToken(translator: Translator, backend: RuntimeBackend): Translator {
  return backend.tokenSource ? new BearerTokenAuth(translator, backend.name, backend.tokenSource) : translator;
}

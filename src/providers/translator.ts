import type { ClientRequest } from '../api/client-request';
import type { RuntimeBackend } from '../config/runtime';
import type { TokenUsage } from './usage';

/** The request one attempt sends to its backend. */
export interface UpstreamRequest {
  /** Path with query, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Headers to set (lowercase names), credentials included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What an attempt is translated for. */
export interface AttemptTarget {
  readonly backend: RuntimeBackend;
  /** Model name to send upstream; undefined keeps the client's. */
  readonly upstreamModel?: string;
  /** Most bytes of one response stream event or frame (`limits.maxStreamEventBytes`); undefined: the default. */
  readonly maxStreamEventBytes?: number;
}

/**
 * One request's translation between a client API and a provider API, holding any stream
 * state. Pure: no I/O, no Envoy or gRPC types.
 */
export interface Translator {
  /** The upstream request for this attempt (async where signing needs it, e.g. AWS SigV4). */
  requestBody(): UpstreamRequest | Promise<UpstreamRequest>;
  /**
   * A successful response body chunk (the whole body when not streaming). Returns the
   * bytes to send the client instead, or undefined to send the chunk unchanged.
   */
  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined;
  /** An error response's whole body, in the client's error shape. */
  responseError(status: number, body: Buffer): Buffer | undefined;
  /** The usage read so far (final once the body has ended); undefined when the provider sent none. */
  usage(): TokenUsage | undefined;
  /**
   * The response's headers (lowercase names), before any body: for providers that report
   * something there (Bedrock's token-count headers). Optional.
   */
  responseHeaders?(headers: ReadonlyMap<string, string>): void;
  /**
   * Options of the request this backend cannot honour and that were dropped (filled by
   * requestBody()); the client sees them in an `x-aigw-warning` response header.
   */
  readonly warnings: readonly string[];
  /**
   * True when a non-streamed answer reaches the client exactly as the provider sent it
   * (`responseBody` only reads usage and returns undefined): the gateway then lets its bytes
   * through as they arrive instead of holding the body back. Absent means it may rewrite.
   */
  readonly responsePassesThrough?: boolean;
  /**
   * True once a successful (2xx) non-streamed answer turned out not to be one (an error
   * object, HTML, nothing readable): the client gets the error body `responseBody` wrote,
   * with status 502 instead of the provider's 200.
   */
  readonly failedResponse?: boolean;
}

/** Builds the translator for a (client API, backend kind) pair. */
export type TranslatorFactory = (request: ClientRequest, target: AttemptTarget) => Translator;

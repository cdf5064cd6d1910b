import type { ClientRequest, Endpoint } from '../api/client-request';
import type { ErrorShape } from '../api/error-shape';
import type { Identity, RuntimeBackend, RuntimeConfig, RuntimeModel } from '../config/runtime';
import type { Translator } from '../providers/translator';
import type { GatewayError } from '../errors';

/**
 * What the router-level and upstream-level processors of one request share. Both
 * streams reach this process (aigw runs beside its Envoy), and meet here by the
 * internal request id that the router-level processor puts in dynamic metadata.
 */
export interface RequestState {
  readonly id: string;
  /** The config the request started with; a reload does not change a request in flight. */
  readonly config: RuntimeConfig;
  readonly identity: Identity;
  readonly endpoint: Endpoint;
  /** The client's path without query (the :path header is rewritten per attempt). */
  readonly path: string;
  /** The client API family, for errors in its shape. */
  readonly errorShape: ErrorShape;
  readonly startedAt: number;
  /** The body as the client sent it (the first attempt sends it as is when nothing changed it). */
  readonly clientBody: Buffer;
  /** The conditional client headers the client sent (client-headers.ts), for each attempt's backend. */
  readonly clientHeaders: ReadonlyMap<string, string>;
  request?: ClientRequest;
  model?: RuntimeModel;
  /** Upstream attempts so far (1 = no retry). */
  attempts: number;
  /** The latest attempt's backend and translator: the response comes from that attempt. */
  backend?: RuntimeBackend;
  translator?: Translator;
  /**
   * The first attempt, when the router-level processor prepared it: its backend, and the
   * header names it set (a later attempt on another backend clears them).
   */
  direct?: { readonly backend: string; readonly headers: readonly string[] };
  /** Whether response guardrails read this request's answer (then every answer is held whole). */
  guardrailsReadResponses?: boolean;
  /** Why the first attempt's backend could not be prepared: that attempt is answered with it. */
  directFailure?: { readonly backend: string; readonly error: GatewayError };
}

/**
 * Request states by id, alive from the router stream's first message to its end. Ids are
 * random (crypto.randomUUID), never derived from a counter, and never shown to clients: the
 * per-attempt processor finds a request only by the id Envoy forwards in its metadata.
 */
export class RequestStore {
  private readonly states = new Map<string, RequestState>();

  add(state: RequestState): void {
    this.states.set(state.id, state);
  }

  get(id: string): RequestState | undefined {
    return this.states.get(id);
  }

  delete(id: string): void {
    this.states.delete(id);
  }

  get size(): number {
    return this.states.size;
  }
}

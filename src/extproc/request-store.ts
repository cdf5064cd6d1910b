import { randomBytes } from 'node:crypto';
import type { ClientRequest, Endpoint } from '../api/client-request';
import type { ErrorShape } from '../api/error-shape';
import type { Identity, RuntimeBackend, RuntimeConfig, RuntimeModel } from '../config/runtime';
import type { Translator } from '../providers/translator';

/**
 * What the router-level and upstream-level processors of one request share. Both
 * streams reach this process (aigw runs beside its Envoy), and meet here by the
 * internal request id that the router-level processor puts in a header.
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
  request?: ClientRequest;
  model?: RuntimeModel;
  /** Upstream attempts so far (1 = no retry). */
  attempts: number;
  /** The latest attempt's backend and translator: the response comes from that attempt. */
  backend?: RuntimeBackend;
  translator?: Translator;
}

/** Request states by id, alive from the router stream's first message to its end. */
export class RequestStore {
  private readonly states = new Map<string, RequestState>();
  private readonly prefix = randomBytes(6).toString('hex');
  private counter = 0;

  /** A new id, unique in this process and unguessable across processes. */
  nextId(): string {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.prefix}-${this.counter.toString(36)}`;
  }

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

import { withBody } from '../api/client-request';
import type { ClientRequest } from '../api/client-request';
import { IdentifierMap } from './identifier-map';
import { SseDecoder, withEventData } from './sse';
import type { SseEvent } from './sse';
import { renameRequestTools, requestToolNames, toolNameRule } from './tool-names';
import { restoreResponseTools } from './tool-names-response';
import { DelegatingTranslator } from './delegating-translator';
import type { AttemptTarget, Translator } from './translator';

/** The request an attempt translates, with its tool names made valid for the backend, and the map back. */
export interface RenamedTools {
  readonly request: ClientRequest;
  readonly names: IdentifierMap;
}

/**
 * For a request with a tool name the attempt's backend refuses (`github.create_issue` for
 * OpenAI or Bedrock, a name over 64 characters, `2fa_check` for Gemini), the request with every
 * name valid there (IdentifierMap: deterministic, valid names kept, distinct names distinct).
 * Undefined when every name is valid: the request goes as it is. Like tool-call ids, names are
 * rewritten silently: the client sees its own names in the answer.
 */
export function renamedToolsFor(request: ClientRequest, target: AttemptTarget): RenamedTools | undefined {
  if (request.api === 'openai-embeddings') return undefined;
  const found = requestToolNames(request.api, request.body);
  if (found.length === 0) return undefined;
  const names = new IdentifierMap(toolNameRule(target.backend, target.upstreamModel ?? request.model), found);
  if (!names.rewritesAny) return undefined;
  const body = renameRequestTools(request.api, request.body, (name) => names.providerValue(name));
  return { request: withBody(request, body), names };
}

/**
 * A translator whose answers (in the client's API, after translation) carry the client's tool
 * names again: the provider's names for rewritten tools are mapped back in whole bodies and in
 * every stream event. Only events that mention a rewritten name are parsed and written anew;
 * the others pass as their own bytes. Everything else is the inner translator's.
 */
export class WithToolNames extends DelegatingTranslator {
  private readonly decoder: SseDecoder;
  /** Each rewritten name as it appears in JSON (`"name"`), to find the events worth parsing. */
  private readonly quoted: string[];

  constructor(
    inner: Translator,
    private readonly request: ClientRequest,
    private readonly names: IdentifierMap,
    maxStreamEventBytes?: number,
  ) {
    super(inner);
    this.decoder = new SseDecoder({ maxEventBytes: maxStreamEventBytes });
    this.quoted = names.rewritten().map(([, sent]) => JSON.stringify(sent));
  }

  /** Never let the answer through unread: a name in it may need mapping back. */
  override get responsePassesThrough(): boolean {
    return false;
  }

  override responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    const translated = this.inner.responseBody(chunk, endOfStream) ?? chunk;
    if (!this.request.stream) return this.restoreWhole(translated);
    const events = this.decoder.push(translated);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    return Buffer.concat(events.map((event) => this.restoreEvent(event)));
  }

  private mentionsRewritten(text: string): boolean {
    return this.quoted.some((name) => text.includes(name));
  }

  /** The JSON text with the client's names back; undefined when it is no JSON or has nothing to map. */
  private restoreJson(text: string): string | undefined {
    if (!this.mentionsRewritten(text)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    restoreResponseTools(this.request.api, parsed, (name) => this.names.original(name));
    return JSON.stringify(parsed);
  }

  private restoreWhole(body: Buffer): Buffer {
    const restored = this.restoreJson(body.toString('utf8'));
    return restored === undefined ? body : Buffer.from(restored, 'utf8');
  }

  /** The event as it came, or rewritten with its `event` and `id` fields kept when its data names a rewritten tool. */
  private restoreEvent(event: SseEvent): Buffer {
    const data = event.data === undefined ? undefined : this.restoreJson(event.data);
    return data === undefined ? event.raw : withEventData(event, data);
  }
}

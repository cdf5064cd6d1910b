import { JsonTextChannel } from './json-text-channel';
import type { TextSink } from './json-text-channel';
import type { TextFn } from './response-texts';
import type { Finding } from './scanner';

/** What a stream guard needs from the request's guardrail run. */
export interface StreamGuardHooks {
  /** A new channel for the response direction; `observe` sees its findings before they act. */
  channel(observe?: (findings: readonly Finding[]) => void): TextSink;
  /** Redacts a whole text already checked in its deltas (not counted again; a block still throws). */
  recheck: TextFn;
  /** The error event that ends a blocked stream, in the client's format. */
  blockedEvent(error: Error): string;
  /** An event the guard cannot read (data that is no JSON object, a line that is no SSE field): may throw to end the stream. */
  unreadable?(why: string): void;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The open texts of one stream, by key (a choice's content, a block's thinking, a call's
 * arguments): plain text goes through a TextChannel, JSON text (tool arguments) through a
 * JsonTextChannel. Also whole texts that arrive in one piece (a block's start, a citation).
 */
export class StreamTexts {
  private readonly open = new Map<string, TextSink>();
  /** Keys whose text a redaction changed. */
  private readonly redacted = new Set<string>();

  constructor(private readonly hooks: StreamGuardHooks) {}

  get recheck(): TextFn {
    return this.hooks.recheck;
  }

  /** Adds text to the plain text `key`; returns what can be sent now. */
  text(key: string, text: string): string {
    return this.sink(key, false).push(text);
  }

  /** Adds a fragment to the JSON text `key` (tool arguments); returns what can be sent now. */
  json(key: string, fragment: string): string {
    return this.sink(key, true).push(fragment);
  }

  /** Ends `key`: what it still held, checked as final ('' when nothing or no such key). */
  take(key: string): string {
    const sink = this.open.get(key);
    if (!sink) return '';
    this.open.delete(key);
    return sink.flush();
  }

  /** Open keys, in the order they opened. */
  keys(): string[] {
    return [...this.open.keys()];
  }

  /** Whether a redaction changed the text of `key` (whether still open or taken). */
  wasRedacted(key: string): boolean {
    return this.redacted.has(key);
  }

  /** A whole text that arrives in one piece, checked and counted like a stream's. */
  whole(text: string): string {
    const sink = this.hooks.channel();
    return sink.push(text) + sink.flush();
  }

  private sink(key: string, json: boolean): TextSink {
    let sink = this.open.get(key);
    if (sink) return sink;
    const observe = (findings: readonly Finding[]): void => {
      if (findings.some((finding) => finding.rule.action === 'redact')) this.redacted.add(key);
    };
    sink = json ? new JsonTextChannel(() => this.hooks.channel(observe)) : this.hooks.channel(observe);
    this.open.set(key, sink);
    return sink;
  }
}

/** Changes to one event's data, noting whether anything changed (else its original bytes go out). */
export class EventEdit {
  changed = false;

  /** Sets a field, noting whether the event changed. */
  set(target: JsonObject, key: string, value: unknown): void {
    if (target[key] === value) return;
    target[key] = value;
    this.changed = true;
  }
}

export function dataEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What rewrites one client API's stream events. */
export interface StreamEvents {
  /** Whether an event of this name (Anthropic names events) can carry text; others pass unparsed. */
  reads(name: string | undefined): boolean;
  /** Changes `data` in place through `edit`; returns events to send before it. */
  event(name: string | undefined, data: JsonObject, edit: EventEdit): string;
  /** Events for text still held at [DONE] (OpenAI chat) or at the end of the stream. */
  end(): string;
}

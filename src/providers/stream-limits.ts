import { GatewayError } from '../errors';

const MIB = 1024 * 1024;

/**
 * Default for `limits.maxStreamEventBytes`: one SSE event or AWS event stream frame. Deltas
 * are a few hundred bytes, but some whole events are large: a Responses API
 * `response.completed` repeats every output item, base64 images from the image tool included
 * (a few MB each). 16 MiB is also AWS's own cap on an event stream message.
 */
export const DEFAULT_MAX_STREAM_EVENT_BYTES = 16 * MIB;

/** Default for `limits.maxResponseBodyBytes`: one response body after its content coding is undone. */
export const DEFAULT_MAX_RESPONSE_BODY_BYTES = 64 * MIB;

/** The largest `limits.maxStreamEventBytes` a config may set. */
export const MAX_STREAM_EVENT_BYTES_CEILING = 256 * MIB;

/** The config keys a StreamLimitError can name. */
export type StreamLimitName = 'maxStreamEventBytes' | 'maxResponseBodyBytes';

const WHAT: Readonly<Record<StreamLimitName, string>> = {
  maxStreamEventBytes: 'a single stream event',
  maxResponseBodyBytes: 'the decompressed response body',
};

/**
 * The provider (or a proxy in front of it) sent more than a decoder may hold: a server-side
 * fault, so 502, never a client-fault code. The message names the limit and its value and
 * never quotes the body.
 */
export class StreamLimitError extends GatewayError {
  constructor(
    readonly limit: StreamLimitName,
    readonly maxBytes: number,
  ) {
    super(502, 'server_error', 'upstream_response_too_large', `The upstream response was refused: ${WHAT[limit]} exceeds limits.${limit} (${maxBytes} bytes).`);
    this.name = 'StreamLimitError';
  }
}

/**
 * An error the gateway answers the client with. `userFacing` errors carry a message
 * written for the caller; anything else is reported as a generic server error with the
 * request id, so internals never reach a client.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    readonly userFacing = true,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** 400 for a request the gateway cannot read. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError(400, 'invalid_request_error', code, message, param);
}

import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { RuntimeConfig } from '../config/runtime';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import { externalProcessorService } from './proto';
import { RequestStore } from './request-store';
import { RouterProcessor } from './router-processor';
import type { ProcessorContext, StreamProcessor } from './stream-processor';
import { FILTER_METADATA_KEY } from './stream-processor';
import { UpstreamProcessor } from './upstream-processor';

type ProcessCall = ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>;

/**
 * The ExternalProcessor service for both of Envoy's ext_proc filters. The loop is thin:
 * one processor per stream, chosen by the `x-aigw-filter` gRPC metadata Envoy sends,
 * one answer per message, cleanup when the stream ends however it ends.
 */
export class ExtProcService {
  readonly store = new RequestStore();
  private config: RuntimeConfig;

  constructor(
    config: RuntimeConfig,
    private readonly context: ProcessorContext,
  ) {
    this.config = config;
  }

  /** Swaps the config for new requests; requests in flight keep theirs. */
  setConfig(config: RuntimeConfig): void {
    this.config = config;
  }

  /** Registers the service on a grpc-js server. */
  addToServer(server: { addService(service: ReturnType<typeof externalProcessorService>, implementation: object): void }): void {
    server.addService(externalProcessorService(), { Process: (call: ProcessCall) => this.process(call) });
  }

  private process(call: ProcessCall): void {
    const filter = String(call.metadata.get(FILTER_METADATA_KEY)[0] ?? 'router');
    const label = filter === 'upstream' ? 'upstream' : 'router';
    const processor: StreamProcessor =
      label === 'upstream'
        ? new UpstreamProcessor(this.store, this.context)
        : new RouterProcessor(this.config, this.store, this.context);
    this.context.metrics.streams.inc({ filter: label });
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.context.metrics.streams.dec({ filter: label });
      processor.close();
    };
    const answer = (message: ProcessingRequest__Output, response: ProcessingResponse): void => {
      if (closed) return;
      if (!message.observability_mode) call.write(response);
      // Ending the stream from our side once nothing more is expected lets it close
      // cleanly; left to Envoy, finished streams are reset, and a burst of resets trips
      // Node's HTTP/2 rapid-reset protection, which drops the whole connection.
      if (processor.finished) {
        close();
        call.end();
      }
    };
    // Processors turn their own errors into answers; this is the last resort.
    const fail = (error: unknown): void => {
      this.context.metrics.processingErrors.inc({ kind: 'internal' });
      this.context.logger.error('ext_proc stream failed', { filter: label, error: (error as Error).message });
      close();
      call.end();
    };
    // Answers must keep message order; most are synchronous, and only once one is async
    // do later messages wait behind it.
    let pending: Promise<void> | undefined;
    call.on('data', (message: ProcessingRequest__Output) => {
      if (closed) return;
      if (pending) {
        pending = pending.then(async () => answer(message, await processor.handle(message))).catch(fail);
        return;
      }
      const response = processor.handle(message);
      if (response instanceof Promise) pending = response.then((value) => answer(message, value)).catch(fail);
      else answer(message, response);
    });
    call.on('end', () => {
      const wasClosed = closed;
      close();
      if (!wasClosed) call.end();
    });
    call.on('cancelled', close);
    call.on('error', close);
    call.on('close', close);
  }
}

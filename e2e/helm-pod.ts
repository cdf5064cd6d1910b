import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findEnvoy } from '../src/envoy-binary';

/**
 * The Helm chart (deploy/helm/aigw) as tests see it: helm itself, the rendered objects, and the
 * rendered Deployment's pod turned into local processes. Kubernetes is not needed: what the
 * kubelet would do is written out here, one step per function.
 */

const REPO = join(__dirname, '..');
export const CHART_DIR = join(REPO, 'deploy', 'helm', 'aigw');
export const ALL_FEATURES_VALUES = join(CHART_DIR, 'ci', 'all-features-values.yaml');
export const VALIDATOR_DIR = join(REPO, 'deploy', 'helm', 'validate');

/** A rendered Kubernetes object, loosely typed: tests read the fields they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface HttpProbe {
  httpGet: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  command: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec: { command: string[] } } };
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface Volume {
  name: string;
  configMap?: { name: string };
  emptyDir?: Record<string, unknown>;
  secret?: { secretName: string };
}

export interface PodSpec {
  initContainers: Container[];
  containers: Container[];
  volumes: Volume[];
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
}

/** helm: HELM_BIN, else the one `go install helm.sh/helm/v4/cmd/helm@v4.3.2` put in $(go env GOPATH)/bin (.ci/run). */
export function helmBin(): string {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout?.trim();
  const candidate = gopath ? join(gopath, 'bin', 'helm') : '';
  if (!candidate || !existsSync(candidate)) throw new Error('helm not found: set HELM_BIN or run `go install helm.sh/helm/v4/cmd/helm@v4.3.2` (see .ci/run)');
  return candidate;
}

export function helm(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(helmBin(), [...args], { encoding: 'utf8', cwd: REPO });
}

/** `helm template` of the chart: the YAML stream, failing the test on helm's error. */
export function templateChart(options: { values?: readonly string[]; set?: readonly string[]; namespace?: string } = {}): string {
  const args = ['template', 'aigw', CHART_DIR, '--namespace', options.namespace ?? 'gateway'];
  for (const file of options.values ?? []) args.push('--values', file);
  for (const value of options.set ?? []) args.push('--set', value);
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return result.stdout;
}

export function parseObjects(stream: string): K8sObject[] {
  return parseAllDocuments(stream)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`);
  return found;
}

export function podSpecOf(deployment: K8sObject): PodSpec {
  return (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** The aigw config the chart stores in its ConfigMap. */
export function configMapText(objects: readonly K8sObject[], name: string): string {
  return (findObject(objects, 'ConfigMap', name) as unknown as { data: Record<string, string> }).data['aigw.yaml'];
}

/**
 * The pod's filesystem and binaries on this machine. Each volume mount path becomes a
 * directory under `root` (e.g. /var/run/aigw → ROOT/var/run/aigw): a configMap volume is
 * written there with its data (paths inside it mapped too), an emptyDir starts empty. In a
 * command, `node` is this Node, `/app/…` (the aigw image's WORKDIR) is this checkout, `envoy`
 * is ENVOY_BIN; every mount path in an argument (a shell script's included) is mapped.
 */
export class LocalPod {
  private readonly mounts = new Map<string, string>();

  constructor(
    readonly spec: PodSpec,
    readonly root: string,
    private readonly objects: readonly K8sObject[],
    /** Secret name → key → value: what secretKeyRef reads. */
    private readonly secrets: Record<string, Record<string, string>>,
  ) {
    const volumes = new Map(spec.volumes.map((volume) => [volume.name, volume]));
    for (const container of [...spec.initContainers, ...spec.containers]) {
      for (const mount of container.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) throw new Error(`${container.name} mounts ${mount.name}, which is no volume of the pod`);
        this.mounts.set(mount.mountPath, join(root, mount.mountPath));
      }
    }
    for (const container of [...spec.initContainers, ...spec.containers]) {
      for (const mount of container.volumeMounts ?? []) {
        const dir = this.mounts.get(mount.mountPath) as string;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const configMap = volumes.get(mount.name)?.configMap;
        if (configMap) {
          const data = (findObject(this.objects, 'ConfigMap', configMap.name) as unknown as { data: Record<string, string> }).data;
          for (const [file, text] of Object.entries(data)) writeFileSync(join(dir, file), this.mapPaths(text));
        }
      }
    }
  }

  /** A pod path (or any text holding pod paths) as it is on this machine. */
  mapPaths(text: string): string {
    // One pass (a mapped directory may itself be under /tmp, a mount path too), longest path
    // first and whole path segments only, so /etc/aigw-ca is not /etc/aigw plus "-ca".
    const paths = [...this.mounts.keys()].sort((a, b) => b.length - a.length).map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const pattern = new RegExp(`(?<![\\w./-])(${paths.join('|')})(?![\\w.-])`, 'g');
    return text.replace(pattern, (path) => this.mounts.get(path) as string);
  }

  /** A container's command (or a hook's), ready to spawn here. */
  localCommand(argv: readonly string[]): [string, string[]] {
    const mapped = argv.map((arg) => (arg.startsWith('/app/') ? join(REPO, arg.slice('/app/'.length)) : this.mapPaths(arg)));
    const [file, ...rest] = mapped;
    if (file === 'node') return [process.execPath, rest];
    if (file === 'envoy') return [findEnvoy(), rest];
    return [file, rest];
  }

  /** The environment the kubelet gives a container: its env list, secretKeyRef values read from `secrets`, plus the image's basics. */
  environment(container: Container): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: this.root };
    if (container.image.includes('aigw')) env.NODE_ENV = 'production';
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      const value = ref ? this.secrets[ref.name]?.[ref.key] : variable.value;
      if (value === undefined) throw new Error(`${container.name}: ${variable.name} comes from secret ${ref?.name}/${ref?.key}, which the test did not provide`);
      env[variable.name] = value;
    }
    return env;
  }

  container(name: string): Container {
    const found = [...this.spec.initContainers, ...this.spec.containers].find((container) => container.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  }

  /** Runs an init container to completion. */
  runInit(name: string): SpawnSyncReturns<string> {
    const container = this.container(name);
    const [file, args] = this.localCommand([...container.command, ...(container.args ?? [])]);
    return spawnSync(file, args, { env: this.environment(container), encoding: 'utf8', timeout: 30_000 });
  }

  /** Starts a container's process. */
  start(name: string): ChildProcess {
    const container = this.container(name);
    const [file, args] = this.localCommand([...container.command, ...(container.args ?? [])]);
    return spawn(file, args, { env: this.environment(container), stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a container's preStop exec hook (as the kubelet does, in the container's environment); resolves with its exit code. */
  preStop(name: string): Promise<number | null> {
    const container = this.container(name);
    const command = container.lifecycle?.preStop?.exec.command;
    if (!command) throw new Error(`${name} has no preStop exec hook`);
    const [file, args] = this.localCommand(command);
    const hook = spawn(file, args, { env: this.environment(container), stdio: 'ignore' });
    return new Promise((resolve) => hook.once('exit', (code) => resolve(code)));
  }

  /** The URL a container's HTTP probe calls (its named port resolved), on this machine's loopback. */
  probeUrl(name: string, probe: 'readinessProbe' | 'livenessProbe'): string {
    const container = this.container(name);
    const httpGet = container[probe]?.httpGet;
    if (!httpGet) throw new Error(`${name} has no HTTP ${probe}`);
    const port = typeof httpGet.port === 'number' ? httpGet.port : container.ports?.find((entry) => entry.name === httpGet.port)?.containerPort;
    if (port === undefined) throw new Error(`${name}: probe port ${httpGet.port} is not one of its ports`);
    return `http://127.0.0.1:${port}${httpGet.path}`;
  }
}

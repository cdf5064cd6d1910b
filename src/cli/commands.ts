import type { CommandSpec } from './args';
import { KEYS_USAGE } from '../admin/keys-command';

/** Every aigw command's options and usage; `aigw --help` lists the synopses. */
export const COMMANDS = {
  serve: {
    name: 'serve',
    usage: 'aigw serve --config FILE\n  Runs the ext_proc, rate-limit, admin (and MCP) servers; Envoy runs elsewhere.',
    options: { config: { type: 'string', short: 'c' } },
    positionals: { min: 0, max: 1, names: 'FILE' },
  },
  up: {
    name: 'up',
    usage:
      'aigw up --config FILE [--fake-provider HOST:PORT]\n  Runs aigw and Envoy together (Envoy from ENVOY_BIN or PATH); --fake-provider also starts the bundled fake provider.',
    options: { config: { type: 'string', short: 'c' }, 'fake-provider': { type: 'string' } },
    positionals: { min: 0, max: 1, names: 'FILE' },
  },
  'check-config': {
    name: 'check-config',
    usage: 'aigw check-config FILE\n  Validates a config; prints every problem with its path (exit 1 when there is one).',
    positionals: { min: 1, max: 1, names: 'FILE' },
  },
  'render-envoy': {
    name: 'render-envoy',
    usage:
      'aigw render-envoy FILE [--out PATH] [--listen ADDRESS] [--ready HOST:PORT]\n  Writes the Envoy bootstrap for a config (to stdout without --out); --listen overrides listener.address (e.g. 0.0.0.0 inside a container);\n  --ready adds a listener answering GET /ready with Envoy\'s health and GET /stats/prometheus from its admin (for Kubernetes probes and scrapers).\n' +
      'aigw render-envoy FILE --fragment [--domain HOST[,HOST…]] [--out PATH]\n  Writes only what to add to your own Envoy: http_filters (before your router), virtual_host or merge_routes, clusters, local_reply_config, access_log,\n  listener, connection-manager, router and bootstrap settings, and notes; --domain sets virtual_host.domains (default *). Merge procedure: docs/envoy-fragment.md.',
    options: { out: { type: 'string', short: 'o' }, listen: { type: 'string' }, ready: { type: 'string' }, fragment: { type: 'boolean' }, domain: { type: 'string' } },
    positionals: { min: 1, max: 1, names: 'FILE' },
  },
  'render-k8s': {
    name: 'render-k8s',
    usage:
      'aigw render-k8s FILE --target envoy-gateway|istio [--namespace NS] [--domain HOST[,HOST…]] [--gateway NAME] [--listener NAME] [--selector KEY=VALUE[,…]] [--port N] [--image IMAGE] [--out PATH]\n' +
      '  Writes the Kubernetes objects that put aigw in an existing Envoy Gateway (v1.6: HTTPRoutes, Backends, policies, an EnvoyPatchPolicy) or Istio (1.30: an EnvoyFilter,\n' +
      '  Gateway, ServiceEntries, DestinationRules) install; --gateway/--listener name the Envoy Gateway Gateway and listener (default eg/http); --selector and --port\n' +
      '  choose the Istio gateway pods (default istio=ingressgateway) and its Gateway port (default 80). Guide: docs/kubernetes-gateways.md.',
    options: {
      target: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      domain: { type: 'string' },
      gateway: { type: 'string' },
      listener: { type: 'string' },
      selector: { type: 'string' },
      port: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
    positionals: { min: 1, max: 1, names: 'FILE' },
  },
  schema: {
    name: 'schema',
    usage: 'aigw schema [--out PATH]\n  Prints the config file\'s JSON Schema (for editors: see schema/aigw.schema.json).',
    options: { out: { type: 'string', short: 'o' } },
  },
  'hash-key': {
    name: 'hash-key',
    usage: 'aigw hash-key KEY\n  Prints the keyHash to put in callers[] for an API key.',
    positionals: { min: 1, max: 1, names: 'KEY' },
  },
  'fake-provider': {
    name: 'fake-provider',
    usage: 'aigw fake-provider --listen HOST:PORT\n  Runs the bundled fake provider (offline demo, tests).',
    options: { listen: { type: 'string' } },
  },
  'drain-envoy': {
    name: 'drain-envoy',
    usage:
      'aigw drain-envoy [--admin HOST:PORT] [--accept-seconds N] [--drain-seconds N] [--done-file PATH]\n  A pod\'s preStop hook: fails Envoy\'s health checks, drains it (accepting for --accept-seconds, default 5), closes its listeners and waits up to\n  --drain-seconds (default 30) for requests in flight; then writes --done-file. --admin defaults to 127.0.0.1:9901 (docs/kubernetes.md).',
    options: { admin: { type: 'string' }, 'accept-seconds': { type: 'string' }, 'drain-seconds': { type: 'string' }, 'done-file': { type: 'string' } },
  },
  'audit verify': {
    name: 'audit verify',
    usage: "aigw audit verify FILE\n  Checks an audit log's hash chain (exit 1 on the first broken line).",
    positionals: { min: 1, max: 1, names: 'FILE' },
  },
  'import eaigw': {
    name: 'import eaigw',
    usage:
      'aigw import eaigw FILE... [--out PATH] [--secret-dir DIR]\n  Writes an aigw config from Envoy AI Gateway v1beta1 resources (AIGatewayRoute, AIServiceBackend, BackendSecurityPolicy, GatewayConfig,\n  Backend, BackendTLSPolicy, BackendTrafficPolicy rate limits; multi-document YAML); names every field not carried over (stderr and comments). API keys are read from\n  environment variables, credential files and CA bundles from DIR/<secret>/<key> (default /etc/aigw/secrets). See docs/from-envoy-ai-gateway.md.',
    options: { out: { type: 'string', short: 'o' }, 'secret-dir': { type: 'string' } },
    positionals: { min: 1, max: 1000, names: 'FILE...' },
  },
  spend: {
    name: 'spend',
    usage: 'aigw spend --log FILE [--by team|project|key|model] [--since TIME] [--until TIME] [--json]\n  Spend and tokens per group from an audit log.',
    options: { log: { type: 'string' }, by: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean' } },
  },
  keys: {
    name: 'keys',
    usage: `aigw keys create|list|rotate|revoke …\n  Manages caller keys through the admin API:\n${KEYS_USAGE.replace(/^/gm, '    ')}`,
  },
  version: {
    name: 'version',
    usage: 'aigw version (or aigw --version)\n  Prints the version.',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

export const USAGE = `aigw — an AI gateway for Envoy

Usage:
${Object.values(COMMANDS)
  .map((command) => `  ${command.usage.split('\n')[0]}`)
  .join('\n')}

  aigw COMMAND --help   that command's usage
`;

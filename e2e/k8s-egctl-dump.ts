/**
 * Turns the xDS that Envoy Gateway's own translator wrote (`egctl x translate --to xds -t all`,
 * recorded in deploy/k8s-validate/testdata/) into one static bootstrap for
 * `envoy --mode validate`: listeners with their route configurations inline instead of RDS,
 * EDS clusters with their recorded endpoints inline, the bootstrap's admin and runtime layers
 * (its ADS connection to Envoy Gateway left out: there is no Envoy Gateway here).
 */

type Json = Record<string, unknown>;

/** A dumped resource without the `@type` of the Any it was dumped as. */
function resource(value: unknown): Json {
  const copy = structuredClone(value as Json);
  delete copy['@type'];
  return copy;
}

function configOf(configs: Json[], type: string): Json {
  const found = configs.find((config) => config['@type'] === `type.googleapis.com/envoy.admin.v3.${type}`);
  if (!found) throw new Error(`no ${type} in the dump`);
  return found;
}

/** The static bootstrap of one gateway's recorded xDS (`xds.<namespace>/<gateway>.configs`). */
export function bootstrapFromDump(configs: Json[], adminPort: number): Json {
  const bootstrap = configOf(configs, 'BootstrapConfigDump').bootstrap as Json;
  const routes = new Map(((configOf(configs, 'RoutesConfigDump').dynamicRouteConfigs as Json[] | undefined) ?? []).map((entry) => {
    const route = resource(entry.routeConfig);
    return [route.name as string, route];
  }));
  const endpoints = new Map(((configOf(configs, 'EndpointsConfigDump').dynamicEndpointConfigs as Json[] | undefined) ?? []).map((entry) => {
    const assignment = resource(entry.endpointConfig);
    return [assignment.clusterName as string, assignment];
  }));
  const listeners = ((configOf(configs, 'ListenersConfigDump').dynamicListeners as Json[]) ?? []).map((entry) => {
    const listener = resource((entry.activeState as Json).listener);
    const chains = [...(listener.defaultFilterChain ? [listener.defaultFilterChain as Json] : []), ...((listener.filterChains as Json[] | undefined) ?? [])];
    for (const chain of chains) {
      for (const filter of chain.filters as Json[]) {
        const manager = filter.typedConfig as Json;
        const rds = manager.rds as Json | undefined;
        if (!rds) continue;
        const route = routes.get(rds.routeConfigName as string);
        if (!route) throw new Error(`no route configuration ${String(rds.routeConfigName)}`);
        delete manager.rds;
        manager.routeConfig = route;
      }
    }
    return listener;
  });
  const clusters = ((configOf(configs, 'ClustersConfigDump').dynamicActiveClusters as Json[]) ?? []).map((entry) => {
    const cluster = resource(entry.cluster);
    if (cluster.type !== 'EDS') return cluster;
    delete cluster.edsClusterConfig;
    return { ...cluster, type: 'STATIC', loadAssignment: endpoints.get(cluster.name as string) ?? { clusterName: cluster.name } };
  });
  return {
    node: { id: 'aigw-test', cluster: 'aigw-test' },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: adminPort } } },
    layeredRuntime: bootstrap.layeredRuntime,
    staticResources: { listeners, clusters },
  };
}

#!/usr/bin/env bash
# Records what Envoy Gateway v1.6.3's own translator (`egctl x translate`, the code its
# controller runs) makes of the objects `aigw render-k8s --target envoy-gateway` writes for
# testdata/aigw.yaml and testdata/aigw-local.yaml: testdata/envoy-gateway-*-objects.yaml (its
# input) and testdata/envoy-gateway-*-xds.yaml (its xDS, EnvoyPatchPolicy applied).
# e2e/k8s-render.test.ts checks that the renderer still writes those objects, runs the first
# xDS through `envoy --mode validate` and serves SDK requests through an Envoy running the
# second; run this again when it says the objects changed.
# egctl is built once from the Go module proxy (hundreds of modules; many minutes of compiling
# on two cores): pass EGCTL=/path/to/egctl to use one you have.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=deploy/k8s-validate/testdata
mkdir -p .tmp
if [ -z "${EGCTL:-}" ]; then
  # containers/storage's btrfs and devicemapper drivers need C headers egctl never uses.
  GOBIN="$PWD/.tmp/egctl-bin" go install -tags "exclude_graphdriver_btrfs exclude_graphdriver_devicemapper containers_image_openpgp" \
    github.com/envoyproxy/gateway/cmd/egctl@v1.6.3
  EGCTL="$PWD/.tmp/egctl-bin/egctl"
fi
npm run build --silent
# NAME: testdata/NAME.yaml rendered, translated, recorded as testdata/envoy-gateway-NAME-{objects,xds}.yaml.
for name in aigw aigw-local; do
  AIGW_MCP_SESSION_SECRET=session-secret-of-the-test-32-bytes-long \
    node dist/src/cli.js render-k8s "$data/$name.yaml" --target envoy-gateway --namespace ai --out "$data/envoy-gateway-$name-objects.yaml"
  { cat "$data/gateway.yaml"; echo '---'; cat "$data/envoy-gateway-$name-objects.yaml"; } > .tmp/envoy-gateway-input.yaml
  "$EGCTL" x translate --from gateway-api --to xds -t all -o yaml -f .tmp/envoy-gateway-input.yaml > "$data/envoy-gateway-$name-xds.yaml"
  echo "recorded $data/envoy-gateway-$name-xds.yaml"
done

#!/usr/bin/env bash
# Records what Envoy Gateway v1.6.3's own translator (`egctl x translate`, the code its
# controller runs) makes of the objects `aigw render-k8s --target envoy-gateway` writes for
# testdata/aigw.yaml and testdata/aigw-local.yaml: testdata/envoy-gateway-*-objects.yaml (its
# input) and testdata/envoy-gateway-aigw-xds.yaml (its xDS for aigw.yaml, EnvoyPatchPolicy applied).
# e2e/k8s-render.test.ts checks that the renderer still writes those objects and runs the
# first xDS through `envoy --mode validate`; e2e/k8s-envoy-gateway-serve.test.ts applies the
# current patches to testdata/envoy-gateway-aigw-local-unpatched-xds.yaml (aigw-local's
# translation without its EnvoyPatchPolicy) and serves SDK requests through it. Run this again
# when a test says the objects changed.
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
# testdata/NAME.yaml rendered to testdata/envoy-gateway-NAME-objects.yaml.
for name in aigw aigw-local; do
  AIGW_MCP_SESSION_SECRET=session-secret-of-the-test-32-bytes-long \
    node dist/src/cli.js render-k8s "$data/$name.yaml" --target envoy-gateway --namespace ai --out "$data/envoy-gateway-$name-objects.yaml"
done
{ cat "$data/gateway.yaml"; echo '---'; cat "$data/envoy-gateway-aigw-objects.yaml"; } > .tmp/envoy-gateway-input.yaml
"$EGCTL" x translate --from gateway-api --to xds -t all -o yaml -f .tmp/envoy-gateway-input.yaml > "$data/envoy-gateway-aigw-xds.yaml"
echo "recorded $data/envoy-gateway-aigw-xds.yaml"
# aigw-local once more without its EnvoyPatchPolicy: the test applies the patches of the
# current renderer to it, as Envoy Gateway does, and serves requests through the result.
node -e '
  const { readFileSync } = require("node:fs");
  const text = readFileSync(process.argv[1], "utf8");
  process.stdout.write(text.split(/^---$/m).filter((doc) => !/^kind: EnvoyPatchPolicy$/m.test(doc)).join("---"));
' "$data/envoy-gateway-aigw-local-objects.yaml" > .tmp/without-patches.yaml
{ cat "$data/gateway.yaml"; echo '---'; cat .tmp/without-patches.yaml; } > .tmp/envoy-gateway-input.yaml
"$EGCTL" x translate --from gateway-api --to xds -t all -o yaml -f .tmp/envoy-gateway-input.yaml > "$data/envoy-gateway-aigw-local-unpatched-xds.yaml"
echo "recorded $data/envoy-gateway-aigw-local-unpatched-xds.yaml"

// Command k8s-validate strictly decodes every object of multi-document YAML files into the
// published Go API types of the projects that define them (Gateway API, Envoy Gateway,
// Istio, Kubernetes core), so a field the real controller would not know, or a kind it
// does not serve, fails here as it would fail at `kubectl apply` or, worse, be dropped.
//
// Usage: k8s-validate FILE...   (exit 1 and one line per problem when any object fails)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	istiov1 "istio.io/api/networking/v1"
	istiov1alpha3 "istio.io/api/networking/v1alpha3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// kubernetesKinds are the Kubernetes-style types (JSON field tags): decoded with unknown fields refused.
var kubernetesKinds = map[string]func() any{
	"gateway.networking.k8s.io/v1 HTTPRoute":              func() any { return &gwapiv1.HTTPRoute{} },
	"gateway.networking.k8s.io/v1 BackendTLSPolicy":       func() any { return &gwapiv1.BackendTLSPolicy{} },
	"gateway.networking.k8s.io/v1 Gateway":                func() any { return &gwapiv1.Gateway{} },
	"gateway.networking.k8s.io/v1 GatewayClass":           func() any { return &gwapiv1.GatewayClass{} },
	"gateway.envoyproxy.io/v1alpha1 Backend":              func() any { return &egv1a1.Backend{} },
	"gateway.envoyproxy.io/v1alpha1 EnvoyExtensionPolicy": func() any { return &egv1a1.EnvoyExtensionPolicy{} },
	"gateway.envoyproxy.io/v1alpha1 BackendTrafficPolicy": func() any { return &egv1a1.BackendTrafficPolicy{} },
	"gateway.envoyproxy.io/v1alpha1 ClientTrafficPolicy":  func() any { return &egv1a1.ClientTrafficPolicy{} },
	"gateway.envoyproxy.io/v1alpha1 EnvoyPatchPolicy":     func() any { return &egv1a1.EnvoyPatchPolicy{} },
	"gateway.envoyproxy.io/v1alpha1 EnvoyProxy":           func() any { return &egv1a1.EnvoyProxy{} },
	"v1 ConfigMap": func() any { return &corev1.ConfigMap{} },
}

// istioKinds are Istio's protobuf specs: the spec is decoded with protojson, unknown fields refused.
var istioKinds = map[string]func() proto.Message{
	"networking.istio.io/v1alpha3 EnvoyFilter": func() proto.Message { return &istiov1alpha3.EnvoyFilter{} },
	"networking.istio.io/v1 ServiceEntry":      func() proto.Message { return &istiov1.ServiceEntry{} },
	"networking.istio.io/v1 DestinationRule":   func() proto.Message { return &istiov1.DestinationRule{} },
	"networking.istio.io/v1 Gateway":           func() proto.Message { return &istiov1.Gateway{} },
}

// istioObject is the envelope of an Istio resource: its spec is decoded apart.
type istioObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              json.RawMessage `json:"spec"`
}

func decodeStrict(data []byte, into any) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	return decoder.Decode(into)
}

// contained reports where `input` has a value that `output` lacks: Go's JSON decoder matches
// field names case-insensitively, so a round trip is what shows a misspelt field.
func contained(input, output any, path string) error {
	switch in := input.(type) {
	case map[string]any:
		out, ok := output.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: not kept as an object", path)
		}
		for key, value := range in {
			if err := contained(value, out[key], path+"."+key); err != nil {
				return err
			}
		}
	case []any:
		out, ok := output.([]any)
		if !ok || len(out) != len(in) {
			return fmt.Errorf("%s: list not kept", path)
		}
		for index := range in {
			if err := contained(in[index], out[index], fmt.Sprintf("%s[%d]", path, index)); err != nil {
				return err
			}
		}
	default:
		if fmt.Sprint(input) != fmt.Sprint(output) {
			return fmt.Errorf("%s: %v decoded as %v", path, input, output)
		}
	}
	return nil
}

// checkDeploymentPatch decodes an EnvoyProxy's strategic-merge patch of the Envoy Deployment
// (aigw's container and volumes) into the Deployment type: the EnvoyProxy type holds it as
// free JSON, so its fields are checked here.
func checkDeploymentPatch(object any) error {
	proxy, ok := object.(*egv1a1.EnvoyProxy)
	if !ok || proxy.Spec.Provider == nil || proxy.Spec.Provider.Kubernetes == nil || proxy.Spec.Provider.Kubernetes.EnvoyDeployment == nil {
		return nil
	}
	patch := proxy.Spec.Provider.Kubernetes.EnvoyDeployment.Patch
	if patch == nil {
		return nil
	}
	var deployment appsv1.Deployment
	if err := decodeStrict(patch.Value.Raw, &deployment); err != nil {
		return fmt.Errorf("spec.provider.kubernetes.envoyDeployment.patch.value: %w", err)
	}
	return roundTrip(patch.Value.Raw, &deployment, ".spec.provider.kubernetes.envoyDeployment.patch.value")
}

// roundTrip checks that everything in data survives decoding into object and encoding again.
func roundTrip(data []byte, object any, path string) error {
	again, err := json.Marshal(object)
	if err != nil {
		return err
	}
	var input, output any
	if err := json.Unmarshal(data, &input); err != nil {
		return err
	}
	if err := json.Unmarshal(again, &output); err != nil {
		return err
	}
	return contained(input, output, path)
}

func validate(document []byte) (string, error) {
	data, err := yaml.YAMLToJSONStrict(document)
	if err != nil {
		return "", fmt.Errorf("not YAML: %w", err)
	}
	var meta metav1.TypeMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return "", err
	}
	kind := meta.APIVersion + " " + meta.Kind
	if build, ok := kubernetesKinds[kind]; ok {
		object := build()
		if err := decodeStrict(data, object); err != nil {
			return kind, err
		}
		if err := roundTrip(data, object, ""); err != nil {
			return kind, err
		}
		return kind, checkDeploymentPatch(object)
	}
	if build, ok := istioKinds[kind]; ok {
		var envelope istioObject
		if err := decodeStrict(data, &envelope); err != nil {
			return kind, err
		}
		if envelope.Name == "" {
			return kind, fmt.Errorf("metadata.name is empty")
		}
		return kind, protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(envelope.Spec, build())
	}
	return kind, fmt.Errorf("unknown kind %q", kind)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate FILE...")
		os.Exit(2)
	}
	failed := false
	for _, file := range os.Args[1:] {
		text, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for index, document := range strings.Split("\n"+string(text), "\n---\n") {
			if strings.TrimSpace(document) == "" || strings.TrimSpace(stripComments(document)) == "" {
				continue
			}
			kind, err := validate([]byte(document))
			if err != nil {
				failed = true
				fmt.Printf("%s: document %d (%s): %v\n", file, index+1, kind, err)
				continue
			}
			fmt.Printf("%s: document %d (%s): ok\n", file, index+1, kind)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func stripComments(document string) string {
	var lines []string
	for _, line := range strings.Split(document, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// typeMeta is read first to pick the Go type a document decodes into.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// kinds maps "apiVersion kind" to a constructor of the API type; anything else is refused.
var kinds = map[string]func() any{
	"v1 ConfigMap":                             func() any { return &corev1.ConfigMap{} },
	"v1 Secret":                                func() any { return &corev1.Secret{} },
	"v1 Service":                               func() any { return &corev1.Service{} },
	"v1 ServiceAccount":                        func() any { return &corev1.ServiceAccount{} },
	"v1 Pod":                                   func() any { return &corev1.Pod{} },
	"apps/v1 Deployment":                       func() any { return &appsv1.Deployment{} },
	"autoscaling/v2 HorizontalPodAutoscaler":   func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1 PodDisruptionBudget":            func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 NetworkPolicy":       func() any { return &networkingv1.NetworkPolicy{} },
	"rbac.authorization.k8s.io/v1 Role":        func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1 RoleBinding": func() any { return &rbacv1.RoleBinding{} },
	"monitoring.coreos.com/v1 ServiceMonitor":  func() any { return &monitoringv1.ServiceMonitor{} },
}

// documentSeparator splits a YAML stream on lines that are exactly "---".
var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// ValidateDocuments decodes each non-empty document strictly; it returns one
// "Kind/name" line per valid object and every problem found.
func ValidateDocuments(stream []byte) (results []string, problems []string) {
	for index, document := range documentSeparator.Split(string(stream), -1) {
		if isEmptyDocument(document) {
			continue
		}
		name, err := validateDocument([]byte(document))
		if err != nil {
			problems = append(problems, fmt.Sprintf("document %d: %v", index, err))
			continue
		}
		results = append(results, name)
	}
	if len(results) == 0 && len(problems) == 0 {
		problems = append(problems, "no objects in the input")
	}
	return results, problems
}

func validateDocument(document []byte) (string, error) {
	var meta typeMeta
	if err := yaml.Unmarshal(document, &meta); err != nil {
		return "", fmt.Errorf("not YAML: %w", err)
	}
	construct, known := kinds[meta.APIVersion+" "+meta.Kind]
	if !known {
		return "", fmt.Errorf("unknown kind %q (apiVersion %q): add it to kinds only with its API type", meta.Kind, meta.APIVersion)
	}
	// YAMLToJSONStrict refuses duplicate keys; the API server's own strict decoder
	// (sigs.k8s.io/json) then refuses unknown fields and matches names case-sensitively,
	// naming each problem by its path (spec.template.spec.…).
	data, err := yaml.YAMLToJSONStrict(document)
	if err != nil {
		return "", fmt.Errorf("%s: %w", meta.Kind, err)
	}
	object := construct()
	strict, err := kjson.UnmarshalStrict(data, object)
	if err != nil {
		return "", fmt.Errorf("%s: %w", meta.Kind, err)
	}
	if len(strict) > 0 {
		return "", fmt.Errorf("%s: %v", meta.Kind, errors.Join(strict...))
	}
	name, err := objectName(document)
	if err != nil {
		return "", fmt.Errorf("%s: %w", meta.Kind, err)
	}
	return meta.Kind + "/" + name, nil
}

// objectName requires metadata.name, which every chart object must have.
func objectName(document []byte) (string, error) {
	var object struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(document, &object); err != nil {
		return "", err
	}
	if object.Metadata.Name == "" {
		return "", fmt.Errorf("metadata.name is empty")
	}
	return object.Metadata.Name, nil
}

// isEmptyDocument: only comments and blank lines (helm template writes "# Source:" headers).
func isEmptyDocument(document string) bool {
	for _, line := range strings.Split(document, "\n") {
		trimmed := strings.TrimSpace(line)
		if len(trimmed) > 0 && trimmed[0] != '#' {
			return false
		}
	}
	return true
}

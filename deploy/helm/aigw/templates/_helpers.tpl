{{/* Names and labels. */}}
{{- define "aigw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "aigw.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "aigw.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "aigw.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aigw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aigw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aigw.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "aigw.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The gateway pods (Envoy + aigw); the bundled Redis has its own component label. */}}
{{- define "aigw.gatewaySelectorLabels" -}}
{{ include "aigw.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "aigw.redisSelectorLabels" -}}
{{ include "aigw.selectorLabels" . }}
app.kubernetes.io/component: redis
{{- end -}}

{{- define "aigw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aigw.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "aigw.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Paths inside the pod, shared by the containers. */}}
{{- define "aigw.configPath" -}}/etc/aigw/aigw.yaml{{- end -}}
{{- define "aigw.envoyConfigPath" -}}/etc/envoy/envoy.yaml{{- end -}}
{{- define "aigw.socketDir" -}}/var/run/aigw{{- end -}}
{{- define "aigw.drainedFile" -}}/var/run/aigw/envoy-drained{{- end -}}

{{/* "true" when an external Redis's password comes from a Secret (redis.external.passwordSecret), else nothing. */}}
{{- define "aigw.redisPasswordSecret" -}}
{{- if and (eq .Values.redis.mode "external") .Values.redis.external.passwordSecret.name -}}
{{- $_ := required "redis.external.passwordSecret.key is required with its name" .Values.redis.external.passwordSecret.key -}}
true
{{- end -}}
{{- end -}}

{{/* The Redis URL the config gets, or nothing. */}}
{{- define "aigw.redisUrl" -}}
{{- if eq .Values.redis.mode "bundled" -}}
{{- printf "redis://%s-redis:%d" (include "aigw.fullname" .) (int .Values.redis.bundled.port) -}}
{{- else if eq .Values.redis.mode "external" -}}
{{- required "redis.external.url is required with redis.mode external" .Values.redis.external.url -}}
{{- end -}}
{{- end -}}

{{/*
The aigw config the pod runs: .Values.config with what the pod layout decides laid over it
(the listener port, Envoy's admin on loopback, the gRPC socket in the shared volume, the admin
port on all interfaces for probes and scraping, the drain time, and the Redis store).
*/}}
{{- define "aigw.config" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $pod := dict
  "listener" (dict "port" (int .Values.listenerPort))
  "envoy" (dict "adminAddress" "127.0.0.1" "adminPort" (int .Values.envoy.adminPort) "accessLog" "/dev/stdout")
  "server" (dict "grpc" (list (printf "unix:%s/extproc.sock" (include "aigw.socketDir" .))) "admin" (printf "0.0.0.0:%d" (int .Values.adminPort)) "drainSeconds" (int .Values.shutdown.drainSeconds))
-}}
{{- $config = mergeOverwrite $config $pod -}}
{{- $url := include "aigw.redisUrl" . -}}
{{- if $url -}}
{{- $rateLimits := get $config "rateLimits" | default dict -}}
{{- $store := dict "url" $url "cluster" (and (eq .Values.redis.mode "external") .Values.redis.external.cluster) -}}
{{- if include "aigw.redisPasswordSecret" . -}}
{{- $_ := set $store "password" (dict "env" "AIGW_REDIS_PASSWORD") -}}
{{- end -}}
{{- $_ := set $rateLimits "store" (dict "redis" $store) -}}
{{- $_ = set $config "rateLimits" $rateLimits -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Environment from Secrets (provider credentials, tokens) and plain values. */}}
{{- define "aigw.env" -}}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
      {{- if hasKey . "optional" }}
      optional: {{ .optional }}
      {{- end }}
{{- end }}
{{- if include "aigw.redisPasswordSecret" . }}
- name: AIGW_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.passwordSecret.name }}
      key: {{ .Values.redis.external.passwordSecret.key }}
{{- end }}
{{- range .Values.extraEnv }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- end }}
{{- end -}}

{{- define "aigw.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "vibeops.fullname" -}}
{{ .Release.Name }}-vibeops
{{- end }}

{{/* Labels of every object; pass (dict "ctx" $ "component" "web|worker|redis"). */}}
{{- define "vibeops.labels" -}}
{{ include "vibeops.selector" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{- define "vibeops.selector" -}}
app.kubernetes.io/name: vibeops
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* An image reference from (dict repository tag digest): by digest when one is given. */}}
{{- define "vibeops.imageRef" -}}
{{- if .digest -}}
{{ .repository }}@{{ .digest }}
{{- else -}}
{{ .repository }}:{{ .tag }}
{{- end -}}
{{- end }}

{{- define "vibeops.image" -}}
{{ include "vibeops.imageRef" .Values.image }}
{{- end }}

{{/*
"true" when the queue is Redis (in the chart, external, or from the Secret), "" for the embedded
SQLite queue. Fails when more than one source of the Redis URL is set.
*/}}
{{- define "vibeops.redisMode" -}}
{{- $sources := 0 -}}
{{- range (list .Values.redis.enabled .Values.redis.url .Values.redis.urlFromSecret) }}
{{- if . }}{{ $sources = add1 $sources }}{{ end }}
{{- end }}
{{- if gt $sources 1 -}}
{{- fail "set only one of redis.enabled, redis.url and redis.urlFromSecret" -}}
{{- end -}}
{{- if $sources }}true{{ end -}}
{{- end }}

{{- define "vibeops.redisName" -}}
{{ include "vibeops.fullname" . }}-redis
{{- end }}

{{/* Pod-level hardening; pass the user and group id. */}}
{{- define "vibeops.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level hardening; pass the user and group id. */}}
{{- define "vibeops.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The settings the web and worker containers share: the Secret, the queue, temp files, values.env. */}}
{{- define "vibeops.envFrom" -}}
- secretRef:
    name: {{ .Values.existingSecret }}
{{- end }}

{{- define "vibeops.env" -}}
- name: TMPDIR
  value: /tmp
{{- if include "vibeops.redisMode" . }}
{{- if .Values.redis.enabled }}
- name: VIBEOPS_QUEUE
  value: {{ printf "redis://%s:6379/0" (include "vibeops.redisName" .) | quote }}
{{- else if .Values.redis.url }}
- name: VIBEOPS_QUEUE
  value: {{ .Values.redis.url | quote }}
{{- end }}{{/* redis.urlFromSecret: VIBEOPS_QUEUE comes in through envFrom */}}
{{- else }}
- name: VIBEOPS_DATA_DIR
  value: /data
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

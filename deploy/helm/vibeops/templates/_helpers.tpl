{{- define "vibeops.labels" -}}
app.kubernetes.io/name: vibeops
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "vibeops.selector" -}}
app.kubernetes.io/name: vibeops
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vibeops.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end }}

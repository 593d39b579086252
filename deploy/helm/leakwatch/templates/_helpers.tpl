{{- define "leakwatch.labels" -}}
app.kubernetes.io/name: leakwatch
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "leakwatch.selector" -}}
app.kubernetes.io/name: leakwatch
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "leakwatch.fullname" -}}
{{- if eq .Release.Name "leakwatch" -}}leakwatch{{- else -}}{{ printf "%s-leakwatch" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "leakwatch.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{/* The parts every leakwatch container shares: probes on the health endpoint, the config file, the shared key. */}}
{{- define "leakwatch.probes" -}}
ports:
  - name: http
    containerPort: 9464
    protocol: TCP
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 20
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 10
{{- end -}}

{{- define "leakwatch.commonEnv" -}}
- name: LEAKWATCH_CONFIG
  value: /etc/leakwatch/leakwatch.yaml
- name: LEAKWATCH_KAFKA_PAYLOAD_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.keys.existingSecret }}
      key: {{ .Values.keys.payloadKeyKey }}
{{- end -}}

{{- define "leakwatch.configVolume" -}}
- name: config
  configMap:
    name: {{ include "leakwatch.fullname" . }}
    items:
      - key: leakwatch.yaml
        path: leakwatch.yaml
{{- end -}}

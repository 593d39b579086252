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

{{/*
Kafka and Redis credentials and certificates: Secrets mounted as files under /var/run/secrets/leakwatch, each key
projected to a fixed name so the configuration (configmap.yaml) can point at it. "leakwatch.transport" says which
are on; the mounts and volumes follow it. A role may bring its own Kafka SASL Secret (<role>.kafkaSaslSecret); only
the roles that talk to Redis (the responder, the CI collectors' delivery dedup) get the Redis Secrets.
*/}}
{{- define "leakwatch.transport" -}}
{{- $v := .Values -}}
kafkaTls: {{ and $v.kafka.tls.enabled (ne $v.kafka.tls.existingSecret "") }}
kafkaSasl: {{ ne $v.kafka.sasl.mechanism "none" }}
redisTls: {{ and $v.redis.tls.enabled (ne $v.redis.tls.existingSecret "") }}
redisAuth: {{ ne $v.redis.auth.existingSecret "" }}
{{- end -}}

{{- define "leakwatch.transportMounts" -}}
{{- $on := include "leakwatch.transport" .root | fromYaml -}}
{{- $names := list "kafkaTls" "kafkaSasl" -}}
{{- if has .role (list "responder" "ciCollector") }}{{ $names = concat $names (list "redisTls" "redisAuth") }}{{ end -}}
{{- range $name := $names }}
{{- if index $on $name }}
- name: {{ $name | kebabcase }}
  mountPath: /var/run/secrets/leakwatch/{{ $name | kebabcase }}
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "leakwatch.transportVolumes" -}}
{{- $v := .root.Values -}}
{{- $on := include "leakwatch.transport" .root | fromYaml -}}
{{- if $on.kafkaTls }}
- name: kafka-tls
  secret:
    secretName: {{ $v.kafka.tls.existingSecret }}
    items:
      - { key: {{ $v.kafka.tls.caKey | quote }}, path: ca.crt }
      {{- if $v.kafka.tls.certKey }}
      - { key: {{ $v.kafka.tls.certKey | quote }}, path: tls.crt }
      - { key: {{ required "kafka.tls.keyKey goes with kafka.tls.certKey" $v.kafka.tls.keyKey | quote }}, path: tls.key }
      {{- end }}
{{- end }}
{{- if $on.kafkaSasl }}
- name: kafka-sasl
  secret:
    secretName: {{ (index $v .role).kafkaSaslSecret | default $v.kafka.sasl.existingSecret | required (printf "kafka.sasl.existingSecret (or %s.kafkaSaslSecret) is required with kafka.sasl.mechanism %s" .role $v.kafka.sasl.mechanism) }}
    items:
      {{- if eq $v.kafka.sasl.mechanism "oauthbearer" }}
      - { key: {{ $v.kafka.sasl.tokenKey | quote }}, path: token }
      {{- else }}
      - { key: {{ $v.kafka.sasl.usernameKey | quote }}, path: username }
      - { key: {{ $v.kafka.sasl.passwordKey | quote }}, path: password }
      {{- end }}
{{- end }}
{{- if and $on.redisTls (has .role (list "responder" "ciCollector")) }}
- name: redis-tls
  secret:
    secretName: {{ $v.redis.tls.existingSecret }}
    items:
      - { key: {{ $v.redis.tls.caKey | quote }}, path: ca.crt }
      {{- if $v.redis.tls.certKey }}
      - { key: {{ $v.redis.tls.certKey | quote }}, path: tls.crt }
      - { key: {{ required "redis.tls.keyKey goes with redis.tls.certKey" $v.redis.tls.keyKey | quote }}, path: tls.key }
      {{- end }}
{{- end }}
{{- if and $on.redisAuth (has .role (list "responder" "ciCollector")) }}
- name: redis-auth
  secret:
    secretName: {{ $v.redis.auth.existingSecret }}
    items:
      {{- if $v.redis.auth.usernameKey }}
      - { key: {{ $v.redis.auth.usernameKey | quote }}, path: username }
      {{- end }}
      - { key: {{ $v.redis.auth.passwordKey | quote }}, path: password }
{{- end }}
{{- end -}}

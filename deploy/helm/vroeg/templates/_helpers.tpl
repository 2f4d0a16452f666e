{{/*
The components this release runs, each its values merged over `defaults`, keyed by name:
the six services, the web app and the stand-ins that are enabled. Fills the dict `.out`
(templates cannot return objects; a dict passed in keeps its values' types).
*/}}
{{- define "vroeg.collect" -}}
{{- $root := .root -}}
{{- $out := .out -}}
{{- range $name, $own := $root.Values.services -}}
{{- if $own.enabled -}}
{{- $_ := set $out $name (mustMergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $own) (dict "name" $name "role" "service")) -}}
{{- end -}}
{{- end -}}
{{- if $root.Values.web.enabled -}}
{{- $_ := set $out "web" (mustMergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $root.Values.web) (dict "name" "web" "role" "web")) -}}
{{- end -}}
{{- range $key, $own := $root.Values.standins -}}
{{- if $own.enabled -}}
{{- if eq $root.Values.environment "production" -}}
{{- fail (printf "standins.%s.enabled: production refuses the stand-ins; a test cluster sets environment: test" $key) -}}
{{- end -}}
{{- $name := printf "%s-standin" $key -}}
{{- $_ := set $out $name (mustMergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $own) (dict "name" $name "role" "standin")) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The services that consume topics: their replicas are useful up to the partitions. */}}
{{- define "vroeg.consumers" -}}
{{- list "brp-check" "matcher" "followup" "feedback" "reporting" | toJson -}}
{{- end -}}

{{- define "vroeg.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vroeg.selectorLabels" -}}
app.kubernetes.io/name: vroeg
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "vroeg.labels" -}}
{{ include "vroeg.selectorLabels" . }}
app.kubernetes.io/part-of: vroeg
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Most replicas a component may scale to; fails when a consumer would outnumber partitions. */}}
{{- define "vroeg.maxReplicas" -}}
{{- $c := .c -}}
{{- $partitions := int .root.Values.kafka.topicPartitions -}}
{{- $workers := int $c.workers -}}
{{- if has $c.name (include "vroeg.consumers" . | fromJsonArray) -}}
{{- $cap := div $partitions $workers -}}
{{- $max := int (default $cap $c.autoscaling.maxReplicas) -}}
{{- if gt (mul $max $workers) $partitions -}}
{{- fail (printf "%s: maxReplicas %d × workers %d exceeds kafka.topicPartitions %d; consumers beyond the partitions sit idle" $c.name $max $workers $partitions) -}}
{{- end -}}
{{- $max -}}
{{- else -}}
{{- int (default 10 $c.autoscaling.maxReplicas) -}}
{{- end -}}
{{- end -}}

{{/* Pod peers of one component of this release, for NetworkPolicy rules. */}}
{{- define "vroeg.peer" -}}
- podSelector:
    matchLabels:
      {{- include "vroeg.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* Base URL of a stand-in inside the cluster. */}}
{{- define "vroeg.standinUrl" -}}
{{- printf "http://%s:%d" (include "vroeg.fullname" .) (int .port) -}}
{{- end -}}

{{/* The container's environment: what every component needs, then its own. */}}
{{- define "vroeg.env" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- $v := $root.Values -}}
- name: VROEG_ENVIRONMENT
  value: {{ $v.environment | quote }}
- name: VROEG_HOST
  value: "0.0.0.0"
- name: VROEG_PORT
  value: {{ $c.port | quote }}
{{- if ne $c.role "standin" }}
- name: VROEG_WORKERS
  value: {{ $c.workers | quote }}
- name: VROEG_LOG_LEVEL
  value: {{ $c.logLevel | quote }}
- name: VROEG_OIDC_ISSUER
  value: {{ ternary (include "vroeg.standinUrl" (dict "root" $root "name" "idp-standin" "port" $v.standins.idp.port)) $v.oidc.issuer $v.standins.idp.enabled | quote }}
- name: VROEG_OIDC_AUDIENCE
  value: {{ $v.oidc.audience | quote }}
- name: VROEG_OIDC_TOKEN_TYPE
  value: {{ $v.oidc.tokenType | quote }}
- name: VROEG_OIDC_MAX_TOKEN_LIFETIME_S
  value: {{ $v.oidc.maxTokenLifetimeSeconds | quote }}
{{- with $v.otlp.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $v.otlp.sampledShare | quote }}
{{- end }}
{{- end }}
{{- if eq $c.role "service" }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers" $v.kafka.bootstrapServers | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $v.kafka.securityProtocol | quote }}
- name: KAFKA_ALLOW_PLAINTEXT
  value: {{ $v.kafka.allowPlaintext | quote }}
{{- if eq $v.kafka.securityProtocol "SASL_SSL" }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ printf "%s%s" $v.kafka.sasl.userPrefix $c.name | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s%s" $v.kafka.sasl.secretPrefix $c.name | quote }}
      key: {{ $v.kafka.sasl.passwordKey | quote }}
{{- end }}
{{- if $v.kafka.caSecret.name }}
- name: KAFKA_SSL_CA_FILE
  value: {{ printf "/etc/vroeg/kafka-ca/%s" $v.kafka.caSecret.key | quote }}
{{- end }}
- name: VROEG_TOPIC_PREFIX
  value: {{ $v.kafka.topicPrefix | quote }}
- name: VROEG_TOPIC_PARTITIONS
  value: {{ $v.kafka.topicPartitions | quote }}
- name: VROEG_TOPIC_REPLICATION_FACTOR
  value: {{ $v.kafka.replicationFactor | quote }}
{{- end }}
{{- if or (eq $c.role "service") (eq $c.role "web") }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ (($c.database).existingSecret) | default $v.database.existingSecret | required "database.existingSecret" | quote }}
      key: {{ (($c.database).secretKey) | default $v.database.secretKey | quote }}
- name: VROEG_MIGRATE_ON_START
  value: "true"
{{- end }}
{{- if eq $c.name "brp-check" }}
{{- include "vroeg.brpEnv" . }}
{{- end }}
{{- if has $c.name (list "intake" "feedback") }}
- name: VROEG_REGISTRY_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ required "registry.existingSecret" $v.registry.existingSecret | quote }}
      key: {{ $v.registry.secretKey | quote }}
{{- end }}
{{- if eq $c.role "web" }}
- name: VROEG_WEB_PUBLIC_URL
  value: {{ required "web.publicUrl" $c.publicUrl | quote }}
- name: VROEG_OIDC_CLIENT_ID
  value: {{ $c.oidcClientId | quote }}
- name: VROEG_INTAKE_URL
  value: {{ required "web.intakeUrl" $c.intakeUrl | quote }}
- name: VROEG_BRP_CHECK_URL
  value: {{ required "web.brpCheckUrl" $c.brpCheckUrl | quote }}
- name: VROEG_MATCHER_URL
  value: {{ required "web.matcherUrl" $c.matcherUrl | quote }}
- name: VROEG_FOLLOWUP_URL
  value: {{ required "web.followupUrl" $c.followupUrl | quote }}
- name: VROEG_REPORTING_URL
  value: {{ required "web.reportingUrl" $c.reportingUrl | quote }}
{{- end }}
{{- if eq $c.name "idp-standin" }}
- name: VROEG_IDP_ISSUER
  value: {{ include "vroeg.standinUrl" (dict "root" $root "name" $c.name "port" $c.port) | quote }}
- name: VROEG_IDP_AUDIENCE
  value: {{ $v.oidc.audience | quote }}
{{- end }}
{{- range $key, $value := $c.env }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- with $c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* brp-check: where the BRP is and how it signs in (OAuth2, mutual TLS, API key). */}}
{{- define "vroeg.brpEnv" -}}
{{- $v := .root.Values }}
- name: BRP_BASE_URL
  value: {{ ternary (printf "%s/haalcentraal/api/brp" (include "vroeg.standinUrl" (dict "root" .root "name" "brp-standin" "port" $v.standins.brp.port))) $v.brp.baseUrl $v.standins.brp.enabled | quote }}
- name: BRP_TIMEOUT_S
  value: {{ $v.brp.timeoutSeconds | quote }}
{{- if not $v.standins.brp.enabled }}
{{- if $v.brp.oauth.tokenUrl }}
- name: BRP_OAUTH_TOKEN_URL
  value: {{ $v.brp.oauth.tokenUrl | quote }}
- name: BRP_OAUTH_CLIENT_ID
  value: {{ required "brp.oauth.clientId" $v.brp.oauth.clientId | quote }}
- name: BRP_OAUTH_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ required "brp.oauth.existingSecret" $v.brp.oauth.existingSecret | quote }}
      key: {{ $v.brp.oauth.clientSecretKey | quote }}
{{- with $v.brp.oauth.scope }}
- name: BRP_OAUTH_SCOPE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $v.brp.mtls.existingSecret }}
- name: BRP_CLIENT_CERT
  value: /etc/vroeg/brp-tls/tls.crt
- name: BRP_CLIENT_KEY
  value: /etc/vroeg/brp-tls/tls.key
{{- end }}
{{- if $v.brp.mtls.caSecret.name }}
- name: BRP_CA_BUNDLE
  value: {{ printf "/etc/vroeg/brp-ca/%s" $v.brp.mtls.caSecret.key | quote }}
{{- end }}
{{- if $v.brp.apiKey.existingSecret }}
- name: BRP_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.brp.apiKey.existingSecret | quote }}
      key: {{ $v.brp.apiKey.key | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Secrets mounted as files (Kafka's CA, the BRP's client certificate and CA) and /tmp. */}}
{{- define "vroeg.mounts" -}}
{{- $v := .root.Values -}}
- name: tmp
  mountPath: /tmp
{{- if and (eq .c.role "service") $v.kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/vroeg/kafka-ca
  readOnly: true
{{- end }}
{{- if and (eq .c.name "brp-check") (not $v.standins.brp.enabled) }}
{{- if $v.brp.mtls.existingSecret }}
- name: brp-tls
  mountPath: /etc/vroeg/brp-tls
  readOnly: true
{{- end }}
{{- if $v.brp.mtls.caSecret.name }}
- name: brp-ca
  mountPath: /etc/vroeg/brp-ca
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "vroeg.volumes" -}}
{{- $v := .root.Values -}}
# /tmp, where Python and the metrics of several workers (PROMETHEUS_MULTIPROC_DIR, a fresh
# directory per start) write: the root filesystem is read-only.
- name: tmp
  emptyDir:
    sizeLimit: {{ .c.tmpSizeLimit }}
{{- if and (eq .c.role "service") $v.kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ $v.kafka.caSecret.name | quote }}
    items:
      - key: {{ $v.kafka.caSecret.key | quote }}
        path: {{ $v.kafka.caSecret.key | quote }}
{{- end }}
{{- if and (eq .c.name "brp-check") (not $v.standins.brp.enabled) }}
{{- if $v.brp.mtls.existingSecret }}
- name: brp-tls
  secret:
    secretName: {{ $v.brp.mtls.existingSecret | quote }}
    defaultMode: 0440
{{- end }}
{{- if $v.brp.mtls.caSecret.name }}
- name: brp-ca
  secret:
    secretName: {{ $v.brp.mtls.caSecret.name | quote }}
    items:
      - key: {{ $v.brp.mtls.caSecret.key | quote }}
        path: {{ $v.brp.mtls.caSecret.key | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Everything derived here starts from files/functions.json (stack.yml, via `npm run gen:chart`) and the values.
Helpers that return lists or maps return JSON; callers use fromJson / fromJsonArray.
*/}}

{{- define "baton.labels" -}}
app.kubernetes.io/name: baton
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The functions of stack.yml, checked against the values that name functions. JSON list. */}}
{{- define "baton.allFunctions" -}}
{{- $data := .Files.Get "files/functions.json" | fromJson -}}
{{- if not $data.functions -}}
{{- fail "files/functions.json is missing or empty: run `npm run gen:chart`" -}}
{{- end -}}
{{- $names := list -}}
{{- range $data.functions }}{{ $names = append $names .name }}{{ end -}}
{{- range $name, $_ := .Values.functions -}}
{{- if not (has $name $names) -}}
{{- fail (printf "functions.%s: stack.yml has no function %q (it has: %s)" $name $name (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- range .Values.temporal.clientFunctions -}}
{{- if not (has . $names) -}}
{{- fail (printf "temporal.clientFunctions: stack.yml has no function %q (it has: %s)" . (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- $data.functions | toJson -}}
{{- end }}

{{/* The functions to deploy: all but those with functions.<name>.enabled=false. JSON list. */}}
{{- define "baton.functions" -}}
{{- $enabled := list -}}
{{- range (include "baton.allFunctions" . | fromJsonArray) -}}
{{- $own := index $.Values.functions .name | default dict -}}
{{- if ne (toString (dig "enabled" true $own)) "false" }}{{ $enabled = append $enabled . }}{{ end -}}
{{- end -}}
{{- $enabled | toJson -}}
{{- end }}

{{/* Refuses Temporal settings that cannot work, naming the value to fix. */}}
{{- define "baton.checkTemporal" -}}
{{- $t := .Values.temporal -}}
{{- if and $t.apiKey.enabled (not $t.tls.enabled) -}}
{{- fail "temporal.apiKey.enabled needs temporal.tls.enabled=true: an API key must not travel unencrypted" -}}
{{- end -}}
{{- if and $t.tls.clientCertificate (not $t.tls.enabled) -}}
{{- fail "temporal.tls.clientCertificate needs temporal.tls.enabled=true" -}}
{{- end -}}
{{- if and $t.tls.serverCa (not $t.tls.enabled) -}}
{{- fail "temporal.tls.serverCa needs temporal.tls.enabled=true" -}}
{{- end -}}
{{- end }}

{{/* The secrets the Temporal client functions get besides their stack.yml ones. JSON list. */}}
{{- define "baton.temporalSecrets" -}}
{{- $t := .Values.temporal -}}
{{- $s := list -}}
{{- if $t.tls.clientCertificate }}{{ $s = concat $s (list "temporal-tls-client-cert" "temporal-tls-client-key") }}{{ end -}}
{{- if $t.tls.serverCa }}{{ $s = append $s "temporal-tls-server-ca-cert" }}{{ end -}}
{{- if $t.apiKey.enabled }}{{ $s = append $s "temporal-api-key" }}{{ end -}}
{{- $s | toJson -}}
{{- end }}

{{/* Baton's names of the secrets one function reads (args: root, fn). JSON list. */}}
{{- define "baton.functionSecrets" -}}
{{- $s := .fn.secrets | default list -}}
{{- if has .fn.name .root.Values.temporal.clientFunctions -}}
{{- $s = concat $s (include "baton.temporalSecrets" .root | fromJsonArray) -}}
{{- end -}}
{{- $s | uniq | toJson -}}
{{- end }}

{{/* The Kubernetes Secret that holds Baton's secret <.name> (args: root, name). */}}
{{- define "baton.secretName" -}}
{{- $given := index .root.Values.secrets .name | default dict -}}
{{- if and $given.value $given.existingSecret -}}
{{- fail (printf "secrets.%s: set value or existingSecret, not both" .name) -}}
{{- end -}}
{{- $given.existingSecret | default .name -}}
{{- end }}

{{/* Every Baton secret some deployed function reads, sorted. JSON list. */}}
{{- define "baton.neededSecrets" -}}
{{- $all := list -}}
{{- range (include "baton.functions" . | fromJsonArray) -}}
{{- $all = concat $all (include "baton.functionSecrets" (dict "root" $ "fn" .) | fromJsonArray) -}}
{{- end -}}
{{- $all | uniq | sortAlpha | toJson -}}
{{- end }}

{{/* Values that replace a stack.yml setting marked "local override", by environment key. */}}
{{- define "baton.envOverrides" -}}
{{- dict
  "TEMPORAL_ADDRESS" .Values.temporal.address
  "TEMPORAL_NAMESPACE" .Values.temporal.namespace
  "TEMPORAL_UI_URL" .Values.temporal.uiUrl
  "S3_ENDPOINT" .Values.s3.endpoint
  "S3_REGION" .Values.s3.region
  "BATON_ARTIFACT_BUCKET" .Values.s3.bucket
  "BATON_GATEWAY_URL" .Values.gateway.url
  | toJson -}}
{{- end }}

{{/* TEMPORAL_TLS* for a Temporal client: files where faas-netes mounts the secrets. JSON map. */}}
{{- define "baton.temporalTlsEnv" -}}
{{- $t := .Values.temporal -}}
{{- $env := dict "TEMPORAL_TLS" (ternary "true" "false" (eq (toString $t.tls.enabled) "true")) -}}
{{- with $t.tls.serverName }}{{ $_ := set $env "TEMPORAL_TLS_SERVER_NAME" . }}{{ end -}}
{{- if $t.tls.clientCertificate -}}
{{- $_ := set $env "TEMPORAL_TLS_CLIENT_CERT_PATH" "/var/openfaas/secrets/temporal-tls-client-cert" -}}
{{- $_ := set $env "TEMPORAL_TLS_CLIENT_KEY_PATH" "/var/openfaas/secrets/temporal-tls-client-key" -}}
{{- end -}}
{{- if $t.tls.serverCa -}}
{{- $_ := set $env "TEMPORAL_TLS_SERVER_CA_CERT_PATH" "/var/openfaas/secrets/temporal-tls-server-ca-cert" -}}
{{- end -}}
{{- $env | toJson -}}
{{- end }}

{{/*
A function's environment (args: root, fn): stack.yml's (environment_file + environment), the values of the
"local override" settings it has, the Temporal TLS settings for Temporal clients, then functions.<name>.environment.
JSON map of strings.
*/}}
{{- define "baton.environment" -}}
{{- $env := deepCopy (.fn.environment | default dict) -}}
{{- range $key, $value := (include "baton.envOverrides" .root | fromJson) -}}
{{- if and $value (hasKey $env $key) }}{{ $_ := set $env $key (toString $value) }}{{ end -}}
{{- end -}}
{{- if has .fn.name .root.Values.temporal.clientFunctions -}}
{{- $env = merge (include "baton.temporalTlsEnv" .root | fromJson) $env -}}
{{- end -}}
{{- $own := index .root.Values.functions .fn.name | default dict -}}
{{- range $key, $value := ($own.environment | default dict) }}{{ $_ := set $env $key (toString $value) }}{{ end -}}
{{- $env | toJson -}}
{{- end }}

{{/* "<registry>/<name>:<tag>" (args: root, fn), or functions.<name>.image as given. */}}
{{- define "baton.image" -}}
{{- $own := index .root.Values.functions .fn.name | default dict -}}
{{- if $own.image -}}
{{- $own.image -}}
{{- else -}}
{{- $repository := .fn.image.repository -}}
{{- with .root.Values.image.registry }}{{ $repository = printf "%s/%s" (trimSuffix "/" .) $.fn.image.name }}{{ end -}}
{{- printf "%s:%s" $repository (.root.Values.image.tag | default .fn.image.tag | toString) -}}
{{- end -}}
{{- end }}

{{/* The first of functions.<name>, stack.yml and functionDefaults that says (args: list own fn defaults). */}}
{{- define "baton.readOnlyRootFilesystem" -}}
{{- $said := "" -}}
{{- range . }}{{ if and (not $said) (hasKey . "readOnlyRootFilesystem") }}{{ $said = toString .readOnlyRootFilesystem }}{{ end }}{{ end -}}
{{- $said -}}
{{- end }}

# tests/knative/knative-lib.sh — a fake Kubernetes API server with Knative (kfake.py) and a backend that uses it.
#
#   . "$(dirname "$0")/knative-lib.sh"
#   start_kfake [--idle-ms 300 ...]     # TLS, a bearer token from a file; $KUBECONFIG for kubectl
#   start_backend_knative [ARGS]        # FAASFS_KUBECONFIG (with tokenFile), FAASFS_KNATIVE_INGRESS
#   kfake_stats                          # what runs behind the ingress (JSON)
. "$(dirname "$0")/../backend/backend-lib.sh"

KFAKE="$TOP/tests/knative/kfake.py"
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=$(command -v python3)

# kfake_ok: Debian's python3 with yaml and jsonschema, and openssl, are there.
kfake_ok() {
	"$PY3" -c 'import yaml, jsonschema' 2>/dev/null && command -v openssl >/dev/null
}

# $KUBECTL is the kubectl the tests drive the fake with (default: the one on
# PATH): Debian 12's kubernetes-client 1.20 reads OpenAPI v2 (as protobuf),
# kubectl from 1.27 on v3; the fake serves both.
KUBECTL=${KUBECTL:-$(command -v kubectl)}
kubectl() { command "${KUBECTL:-kubectl}" "$@"; }
kubectl_minor() { kubectl version --client -o json 2>/dev/null | jq -r .clientVersion.minor | tr -dc 0-9; }
# kubectl_ok: there is one; kubectl_why says what is missing otherwise.
kubectl_ok() { [ -n "$KUBECTL" ] && [ -x "$(command -v "$KUBECTL")" ]; }
kubectl_why() { echo "${KUBECTL:-kubectl} is missing (Debian package kubernetes-client)"; }

# refused_unknown ERR DEF PATH: kubectl's stderr ERR says field PATH (spec.x.y) is unknown:
# as the server says it (kubectl from 1.27 sends fieldValidation=Strict), or as kubectl
# itself says it before 1.27, from the schema the fake publishes in /openapi/v2 (DEF: the
# kind's definition there, e.g. dev.knative.serving.v1.Service).
refused_unknown() {
	if [ "$(kubectl_minor)" -ge 27 ]; then
		grep -q "unknown field \"$3\"" "$1"
	else
		grep -q "unknown field \"${3##*.}\" in $2.${3%.*}" "$1"
	fi
}

# write_kubeconfig FILE TOKEN-LINE: a kubeconfig for the fake (CA as data).
write_kubeconfig() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kfake
  cluster:
    server: https://127.0.0.1:$KAPI_PORT
    certificate-authority-data: $(base64 -w0 "$SCRATCH/kfake/cert.pem")
users:
- name: tester
  user:
    $2
contexts:
- name: kfake
  context:
    cluster: kfake
    user: tester
    namespace: default
current-context: kfake
EOF
}

# start_kfake [ARGS]: the fake on free ports. Sets KAPI_PORT, KINGRESS_PORT,
# KFAKE_PID, KUBECONFIG (kubectl's, the token inline) and BACKEND_KUBECONFIG
# (the backend's, the token in a file it re-reads: $SCRATCH/kfake/client-token).
start_kfake() {
	mkdir -p "$SCRATCH/kfake" && cd "$SCRATCH/kfake" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || return 1
	echo "token-$$-1" >token
	cp token client-token
	rm -f ports
	"$PY3" "$KFAKE" --proxy "$PROXY" --crds "$TOP/tests/knative/crds" --tls-cert cert.pem --tls-key key.pem \
		--token-file token --ports-file ports --logs "$SCRATCH/kfake" "$@" >>"$SCRATCH/kfake.log" 2>&1 &
	KFAKE_PID=$!
	test_at_end "kill $KFAKE_PID"
	cd "$SCRATCH" || return 1
	wait_for "test -s $SCRATCH/kfake/ports" || return 1
	read -r KAPI_PORT KINGRESS_PORT <"$SCRATCH/kfake/ports"
	write_kubeconfig "$SCRATCH/kfake/kubeconfig" "token: $(cat "$SCRATCH/kfake/token")"
	write_kubeconfig "$SCRATCH/kfake/backend-kubeconfig" "tokenFile: $SCRATCH/kfake/client-token"
	export KUBECONFIG="$SCRATCH/kfake/kubeconfig"
	BACKEND_KUBECONFIG="$SCRATCH/kfake/backend-kubeconfig"
}

# start_backend_knative [ARGS]: a backend whose knative domain is the fake.
start_backend_knative() {
	FAASFS_KUBECONFIG="$BACKEND_KUBECONFIG" FAASFS_KNATIVE_INGRESS="127.0.0.1:$KINGRESS_PORT" \
		FAASFS_KNATIVE_COLD_MS=20000 start_backend "$@"
}

# kfake_stats: {"instances": [...], "refused": N, "starts": N}
kfake_stats() {
	curl -s -H 'Host: kfake.stats' "http://127.0.0.1:$KINGRESS_PORT/"
}

# ksvcs: the names of the Services in the fake, one a line, sorted.
ksvcs() {
	curl -s --cacert "$SCRATCH/kfake/cert.pem" -H "Authorization: Bearer $(cat "$SCRATCH/kfake/token")" \
		"https://127.0.0.1:$KAPI_PORT/apis/serving.knative.dev/v1/namespaces/default/services" |
		jq -r '.items[].metadata.name' | sort
}

# kfake_zero: every idle revision scaled to zero now.
kfake_zero() {
	curl -s -X POST -H 'Host: kfake.stats' "http://127.0.0.1:$KINGRESS_PORT/zero" >/dev/null
}

# kfake_api_down / kfake_api_up: the API server goes away (the ingress stays), and comes back.
kfake_api_down() { kill -USR1 "$KFAKE_PID"; wait_for "! curl -sk https://127.0.0.1:$KAPI_PORT/version"; }
kfake_api_up() { kill -USR2 "$KFAKE_PID"; wait_for "curl -sk https://127.0.0.1:$KAPI_PORT/version"; }

# put_knative NAME KIND FILE [EXTRA]: an action routed to the knative domain.
put_knative() {
	put_action "$1" "$2" "$3" "$(jq -n --argjson extra "${4:-{\}}" \
		'{annotations: [{key: "exec-domain", value: "knative"}]} * $extra')"
}

# logs_text: an activation record's log lines without their time stamps.
logs_text() { jq -r '.logs[]' | sed 's/^[^ ]* //'; }

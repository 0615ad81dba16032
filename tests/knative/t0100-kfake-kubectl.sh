#!/bin/sh
# The fake Kubernetes API server held to a real client: kubectl applies, gets, waits, patches and
# deletes Knative Services, and is refused where a real server refuses.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'kfake' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi
if ! kubectl_ok; then
	test_skip 'kubectl against the fake' "$(kubectl_why)"
	test_done
fi

start_kfake --cold-503 1 --idle-ms 400

cat >ksvc.yaml <<'EOF'
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: echo
spec:
  template:
    spec:
      containerConcurrency: 1
      timeoutSeconds: 30
      containers:
        - image: localhost/faasfs/python:latest
          env:
            - name: FAASFS_INIT
              value: '{"code":"def main(a):\n  print(\"log line\")\n  return {\"echo\": a}","kind":"python:3"}'
EOF

test_expect_success 'kubectl knows the Knative and faasfs kinds from discovery' '
	kubectl api-resources >res &&
	grep -q "^services .*ksvc.*serving.knative.dev/v1 .*Service" res &&
	grep -q "^functions .*fn .*faasfs.dev/v1 .*Function" res
'

test_expect_success 'a token other than the server'"'"'s is refused (401)' '
	! kubectl --token wrong get ksvc 2>err &&
	grep -qi "unauthorized\|provide credentials" err
'

test_expect_success 'kubectl apply, then wait for Ready, then the URL answers through the ingress' '
	kubectl apply -f ksvc.yaml &&
	kubectl wait --for=condition=Ready ksvc/echo --timeout=30s &&
	url=$(kubectl get ksvc echo -o jsonpath="{.status.url}") &&
	test "$url" = http://echo.default.example.com &&
	wait_for "curl -sf -H \"Host: echo.default.example.com\" -d \"{\\\"value\\\":{\\\"n\\\":1}}\" http://127.0.0.1:$KINGRESS_PORT/ >out" &&
	test "$(jq -c . out)" = "{\"echo\":{\"n\":1}}"
'

test_expect_success 'server-side apply by kubectl is idempotent: the generation stays' '
	kubectl apply --server-side -f ksvc.yaml --force-conflicts &&
	kubectl apply --server-side -f ksvc.yaml --force-conflicts &&
	test "$(kubectl get ksvc echo -o jsonpath="{.metadata.generation}")" = 1
'

test_expect_success 'a strategic merge patch is refused as for any custom resource (415)' '
	! kubectl patch ksvc echo -p "{\"spec\":{\"template\":{\"spec\":{\"timeoutSeconds\":20}}}}" 2>err &&
	grep -q "application/merge-patch+json" err
'

test_expect_success 'a merge patch makes a new generation, and its revision becomes Ready' '
	kubectl patch ksvc echo --type=merge -p "{\"spec\":{\"template\":{\"spec\":{\"timeoutSeconds\":20}}}}" &&
	test "$(kubectl get ksvc echo -o jsonpath="{.metadata.generation}")" = 2 &&
	kubectl wait --for=condition=Ready ksvc/echo --timeout=30s &&
	test "$(kubectl get ksvc echo -o jsonpath="{.status.latestReadyRevisionName}")" = echo-00002
'

test_expect_success 'a body the CRD schema refuses is refused (422), with the field' '
	sed "s/containerConcurrency: 1/containerConcurrency: \"one\"/" ksvc.yaml >bad.yaml &&
	! kubectl apply -f bad.yaml 2>err &&
	grep -q "containerConcurrency" err &&
	grep -q "integer" err
'

# kubectl from 1.27 sends fieldValidation=Strict and the server refuses; before, kubectl
# refuses it itself, from the schema the fake publishes in /openapi/v2.
test_expect_success 'an unknown field is an error (under fieldValidation=Strict, or by kubectl before 1.27)' '
	sed "s/containerConcurrency: 1/containerConcurency: 1/" ksvc.yaml >typo.yaml &&
	! kubectl apply -f typo.yaml 2>err &&
	refused_unknown err dev.knative.serving.v1.Service spec.template.spec.containerConcurency
'

test_expect_success 'Knative webhook rules: a reserved variable is refused' '
	sed "s/name: FAASFS_INIT/name: PORT/" ksvc.yaml | sed "s/name: echo/name: echo2/" >reserved.yaml &&
	! kubectl apply -f reserved.yaml 2>err &&
	grep -q "PORT is a reserved environment variable" err
'

test_expect_success 'scaled to zero when idle, back on the next request with a cold 503 first' '
	wait_for "kfake_stats | jq -e \".instances | length == 0\"" &&
	before=$(kfake_stats | jq .refused) &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -H "Host: echo.default.example.com" -d "{}" \
		"http://127.0.0.1:$KINGRESS_PORT/") &&
	test "$code" = 503 &&
	wait_for "curl -sf -H \"Host: echo.default.example.com\" -d {} http://127.0.0.1:$KINGRESS_PORT/" &&
	test "$(kfake_stats | jq .refused)" -gt "$before"
'

# The watch starts from the Service's resourceVersion, so it sees a deletion
# made before it connected too. (It was `rv=$(kubectl get) && curl &`: the
# whole list went to the background, and a delete 0.3 s later could come
# before the get, under load.)
test_expect_success 'a watch from a resourceVersion sees the deletion; the Service is gone' '
	rv=$(kubectl get ksvc echo -o jsonpath="{.metadata.resourceVersion}") &&
	test -n "$rv" &&
	{ curl -sN --max-time 300 --cacert kfake/cert.pem -H "Authorization: Bearer $(cat kfake/token)" \
		"https://127.0.0.1:$KAPI_PORT/apis/serving.knative.dev/v1/namespaces/default/services?watch=true&resourceVersion=$rv&timeoutSeconds=300" >events & } &&
	watch=$! &&
	kubectl delete ksvc echo &&
	{ wait_for "jq -r .type events | grep -qx DELETED" 1200 ||
		{ say "no DELETED in the watch within 60 s:"; cat events; kill $watch; false; }; } &&
	kill $watch && { wait $watch; true; } &&
	! kubectl get ksvc echo 2>err &&
	grep -q "not found" err
'

test_expect_success 'a ConfigMap is stored and read back unchanged' '
	kubectl create configmap cfg --from-literal=greeting=hello &&
	test "$(kubectl get cm cfg -o jsonpath="{.data.greeting}")" = hello
'

test_done

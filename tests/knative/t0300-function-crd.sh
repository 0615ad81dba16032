#!/bin/sh
# The Function resource: kubectl apply deploys a function; the backend, its controller, makes the
# action and its Knative Service, binds ConfigMap and Secret values to its parameters and reports
# the URL and readiness; a changed ConfigMap reaches the next activation; delete removes it all.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'the Function resource' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi
if ! kubectl_ok; then
	test_skip 'the Function resource' "$(kubectl_why)"
	test_done
fi

start_kfake --audit "$SCRATCH/audit"
FAASFS_FUNCTIONS=1 start_backend_knative

cat >function.yaml <<'EOF'
apiVersion: faasfs.dev/v1
kind: Function
metadata:
  name: greeter
spec:
  kind: python:3
  code: |
    def main(args):
        print("greeting", args.get("name"))
        return {"greeting": args.get("salute", "hello") + " " + args.get("name", "?"),
                "token": args.get("token"), "count": args.get("count")}
  parameters:
    - name: name
      configMapKeyRef: {name: greeter-config, key: name}
    - name: token
      secretKeyRef: {name: greeter-secret, key: token}
    - name: count
      value: 3
  parametersFrom:
    - configMapRef: {name: greeter-defaults}
  limits: {timeout: 20000, memory: 256}
  scale: {min: 0, max: 4}
EOF

test_expect_success 'kubectl apply of a Function (and its ConfigMaps and Secret) makes it Ready with a URL' '
	kubectl create configmap greeter-config --from-literal=name=world &&
	kubectl create configmap greeter-defaults --from-literal=salute=hi &&
	kubectl create secret generic greeter-secret --from-literal=token=s3cret &&
	kubectl apply -f function.yaml &&
	kubectl wait --for=condition=Ready function/greeter --timeout=60s &&
	kubectl get function greeter -o json >fn.json &&
	jq -e ".status.url | startswith(\"http://f-guest-greeter-\")" fn.json &&
	jq -e ".status.observedGeneration == .metadata.generation" fn.json
'

test_expect_success 'it became a Knative Service with its scale bounds and a function label' '
	kubectl get ksvc -l faasfs.dev/function=greeter -o json >ksvc.json &&
	jq -e ".items | length == 1" ksvc.json &&
	jq -e ".items[0].spec.template.metadata.annotations[\"autoscaling.knative.dev/max-scale\"] == \"4\"" ksvc.json &&
	jq -e ".items[0].spec.template.spec.timeoutSeconds == 20" ksvc.json
'

test_expect_success 'the same function is an OpenWhisk action, bound to the ConfigMap and Secret values' '
	curl -sf -u "$AUTH" "$API/actions/greeter" >action.json &&
	jq -e ".exec.kind == \"python:3\"" action.json &&
	jq -e "[.annotations[] | select(.key == \"exec-domain\")][0].value == \"knative\"" action.json &&
	invoke greeter >r1.json &&
	jq -e ".response.result == {\"greeting\": \"hi world\", \"token\": \"s3cret\", \"count\": 3}" r1.json &&
	logs_text <r1.json | grep -qx "stdout: greeting world"
'

test_expect_success 'its URL answers through the ingress' '
	url=$(jq -r .status.url fn.json) &&
	wait_for "curl -sf -H \"Host: \${url#http://}\" -d \"{\\\"value\\\":{\\\"name\\\":\\\"direct\\\"}}\" http://127.0.0.1:$KINGRESS_PORT/ >direct.json" &&
	jq -e ".greeting == \"hello direct\"" direct.json
'

test_expect_success 'a changed ConfigMap reaches the next activation' '
	kubectl create configmap greeter-config --from-literal=name=planet --dry-run=client -o yaml >cm.yaml &&
	kubectl apply -f cm.yaml &&
	wait_for "invoke greeter | jq -e \".response.result.greeting == \\\"hi planet\\\"\""
'

test_expect_success 'a missing ConfigMap makes the Function not Ready, saying which' '
	sed "s/name: greeter$/name: lonely/; s/greeter-config/nowhere/" function.yaml >lonely.yaml &&
	kubectl apply -f lonely.yaml &&
	wait_for "kubectl get function lonely -o jsonpath={.status.conditions[0].reason} | grep -qx ParametersMissing" &&
	kubectl get function lonely -o jsonpath="{.status.conditions[0].message}" | grep -q nowhere
'

test_expect_success 'the CRD schema refuses a bad Function (memory under 128)' '
	sed "s/memory: 256/memory: 64/; s/name: greeter$/name: small/" function.yaml >small.yaml &&
	! kubectl apply -f small.yaml 2>err &&
	grep -q "memory" err
'

test_expect_success 'deleting the Function deletes its action and its Service' '
	kubectl delete function greeter &&
	wait_for "test \"\$(curl -s -o /dev/null -w %{http_code} -u $AUTH $API/actions/greeter)\" = 404" &&
	wait_for "test \"\$(kubectl get ksvc -l faasfs.dev/function=greeter -o name | wc -l)\" = 0"
'

test_expect_success 'the example in deploy/kubernetes deploys and runs' '
	kubectl apply -f "$TOP/deploy/kubernetes/function-example.yaml" &&
	kubectl wait --for=condition=Ready function/hello --timeout=60s &&
	invoke hello "{\"name\":\"cluster\"}" >h.json &&
	jq -e ".response.result.message == \"Hello, cluster!\"" h.json
'

# rbac: the rules of the Role in deploy/kubernetes/backend.yaml, "VERB GROUP RESOURCE" a line.
rbac() {
	"$PY3" -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Role":
        for r in d["rules"]:
            for g in r["apiGroups"]:
                for res in r["resources"]:
                    for v in r["verbs"]:
                        print(v, g or "\"\"", res)' "$TOP/deploy/kubernetes/backend.yaml" | sort -u
}

test_expect_success 'the RBAC of deploy/kubernetes allows what the backend asked of the API, and no more' '
	sed -n "s/^faasfs-backend //p" audit | sort -u >asked &&
	rbac >allowed &&
	test -s asked &&
	comm -23 asked allowed >missing &&
	test_cmp /dev/null missing &&
	comm -13 asked allowed >unused &&
	printf "%s\n" "create serving.knative.dev services" "get serving.knative.dev services" >expected &&
	test_cmp expected unused
'

test_done

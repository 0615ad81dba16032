#!/bin/sh
# Compute pools on the knative domain: an action on a pool of its own (--pool NAME:cpu=CORES) is a
# Service whose pods go to that pool's nodes (nodeSelector faasfs.dev/pool: NAME, which the operator
# labels them with) and get its CPU as request and limit; an action on the default pool, any node.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'knative compute pools' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi

start_kfake --idle-ms 60000
start_backend_knative --pool big:cpu=1.5 --pool small

cat >fn.py <<'EOF2'
def main(a):
    return {"n": a.get("n")}
EOF2

# svc NAME: the applied Service of action NAME's first version, as the cluster holds it.
svc() {
	curl -s --cacert kfake/cert.pem -H "Authorization: Bearer $(cat kfake/token)" \
		"https://127.0.0.1:$KAPI_PORT/apis/serving.knative.dev/v1/namespaces/default/services" |
		jq ".items[] | select(.metadata.annotations[\"faasfs.dev/action\"] == \"guest/$1\")"
}

test_expect_success 'an action on a pool runs there: the pool'"'"'s nodes and its CPU' '
	put_knative onbig python:3 fn.py "{\"annotations\":[{\"key\":\"exec-domain\",\"value\":\"knative\"},{\"key\":\"pool\",\"value\":\"big\"}]}" &&
	invoke onbig "{\"n\":1}" >r.json &&
	jq -e ".response.result.n == 1" r.json &&
	svc onbig >big.json &&
	jq -e ".spec.template.spec.nodeSelector == {\"faasfs.dev/pool\": \"big\"}" big.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits.cpu == \"1500m\"" big.json &&
	jq -e ".spec.template.spec.containers[0].resources.requests.cpu == \"1500m\"" big.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits.memory == \"256Mi\"" big.json
'

test_expect_success 'an action asking for CPU gets the first pool that gives it, there' '
	put_knative cpu2 python:3 fn.py "{\"annotations\":[{\"key\":\"exec-domain\",\"value\":\"knative\"},{\"key\":\"cpu\",\"value\":1}]}" &&
	invoke cpu2 "{\"n\":2}" >r2.json &&
	jq -e ".response.result.n == 2" r2.json &&
	svc cpu2 >cpu2.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits.cpu" cpu2.json >cpu2.cpu &&
	jq -e ".spec.template.spec.nodeSelector[\"faasfs.dev/pool\"]" cpu2.json >cpu2.pool &&
	test "$(cat cpu2.cpu)" = "\"1500m\"" && test "$(cat cpu2.pool)" = "\"big\""
'

test_expect_success 'a pool without a CPU setting selects its nodes and sets no CPU' '
	put_knative onsmall python:3 fn.py "{\"annotations\":[{\"key\":\"exec-domain\",\"value\":\"knative\"},{\"key\":\"pool\",\"value\":\"small\"}]}" &&
	invoke onsmall "{\"n\":3}" >r3.json &&
	jq -e ".response.result.n == 3" r3.json &&
	svc onsmall >small.json &&
	jq -e ".spec.template.spec.nodeSelector == {\"faasfs.dev/pool\": \"small\"}" small.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits | has(\"cpu\") | not" small.json
'

test_expect_success 'an action on the default pool may run on any node, with no CPU set' '
	put_knative any python:3 fn.py &&
	invoke any "{\"n\":4}" >r4.json &&
	jq -e ".response.result.n == 4" r4.json &&
	svc any >any.json &&
	jq -e ".spec.template.spec | has(\"nodeSelector\") | not" any.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits | has(\"cpu\") | not" any.json
'

test_done

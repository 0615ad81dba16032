#!/bin/sh
# The knative execution domain against the fake cluster: the same answers, logs and errors as the
# local domain; a Service per version; update, delete, garbage collection; scale from zero; a
# refused body; big code; a rotated token; the API server going away and coming back.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'the knative domain' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi

start_kfake --cold-503 2 --cold-delay-ms 50 --idle-ms 60000
start_backend_knative

cat >fn.py <<'EOF'
import sys
def main(args):
    print("hello on stdout")
    print("and on stderr", file=sys.stderr)
    if args.get("fail"):
        return {"error": "asked to fail"}
    if args.get("crash"):
        raise ValueError("crashed on purpose")
    return {"greeting": "hello " + args.get("name", "world"), "env": args.get("from_env")}
EOF

test_expect_success 'a knative action and a local twin give the same result and the same logs' '
	put_knative kn python:3 fn.py &&
	put_action lo python:3 fn.py &&
	invoke kn "{\"name\":\"kn\"}" >kn.json &&
	invoke lo "{\"name\":\"kn\"}" >lo.json &&
	jq -e ".response.result.greeting == \"hello kn\"" kn.json &&
	test "$(jq -c .response kn.json)" = "$(jq -c .response lo.json)" &&
	logs_text <kn.json >kn.logs && logs_text <lo.json >lo.logs &&
	test_cmp lo.logs kn.logs &&
	grep -qx "stdout: hello on stdout" kn.logs
'

test_expect_success 'the record says which domain ran it' '
	jq -e ".annotations[] | select(.key == \"domain\") | .value == \"knative\"" kn.json &&
	jq -e ".annotations[] | select(.key == \"domain\") | .value == \"local\"" lo.json
'

test_expect_success 'one Service per action version, named within Kubernetes'"'"' rules, with its limits' '
	ksvcs >names &&
	test "$(wc -l <names)" = 1 &&
	name=$(cat names) &&
	echo "$name" | grep -Eq "^[a-z]([-a-z0-9]*[a-z0-9])?$" &&
	test ${#name} -le 57 &&
	case "$name" in f-guest-kn-0-0-1-*) ;; *) false;; esac &&
	curl -s --cacert kfake/cert.pem -H "Authorization: Bearer $(cat kfake/token)" \
		"https://127.0.0.1:$KAPI_PORT/apis/serving.knative.dev/v1/namespaces/default/services/$name" >svc.json &&
	jq -e ".spec.template.spec.timeoutSeconds == 60 and .spec.template.spec.containerConcurrency == 1" svc.json &&
	jq -e ".spec.template.spec.containers[0].resources.limits.memory == \"256Mi\"" svc.json &&
	jq -e ".spec.template.metadata.annotations[\"autoscaling.knative.dev/min-scale\"] == \"0\"" svc.json &&
	jq -e ".spec.template.spec.containers[0].image == \"localhost/faasfs/python:latest\"" svc.json &&
	jq -e ".metadata.labels[\"faasfs.dev/version\"] == \"0.0.1\"" svc.json
'

test_expect_success 'an application error and a crash are the same as locally' '
	invoke kn "{\"fail\":true}" >kf.json && invoke lo "{\"fail\":true}" >lf.json &&
	test "$(jq -c .response kf.json)" = "$(jq -c .response lf.json)" &&
	jq -e ".response.status == \"application error\"" kf.json &&
	invoke kn "{\"crash\":true}" >kc.json && invoke lo "{\"crash\":true}" >lc.json &&
	test "$(jq -c .response.status kc.json)" = "$(jq -c .response.status lc.json)" &&
	test "$(jq -c .response.result kc.json)" = "$(jq -c .response.result lc.json)" &&
	jq -r .response.result.error kc.json | grep -q "crashed on purpose"
'

test_expect_success 'an update makes a new Service and never runs the old code' '
	sed "s/hello /howdy /" fn.py >fn2.py &&
	put_knative kn python:3 fn2.py &&
	invoke kn "{\"name\":\"x\"}" >u.json &&
	jq -e ".response.result.greeting == \"howdy x\"" u.json &&
	wait_for "test \"\$(ksvcs | wc -l)\" = 1" &&
	ksvcs | grep -q "^f-guest-kn-0-0-2-"
'

test_expect_success 'deleting the action deletes its Service' '
	curl -sf -u "$AUTH" -X DELETE "$API/actions/kn" >/dev/null &&
	wait_for "test -z \"\$(ksvcs)\""
'

test_expect_success 'scale from zero: the cold 503s are retried, the run succeeds' '
	put_knative cold python:3 fn.py &&
	invoke cold >c1.json &&
	jq -e .response.success c1.json &&
	kfake_zero &&
	kfake_stats >s0 &&
	jq -e ".instances | length == 0" s0 &&
	invoke cold "{\"name\":\"again\"}" >c2.json &&
	jq -e ".response.result.greeting == \"hello again\"" c2.json &&
	kfake_stats >s1 &&
	test "$(jq .refused s1)" -gt "$(jq .refused s0)"
'

test_expect_success 'a body the cluster refuses gives the action a clear error' '
	put_knative bad python:3 fn.py "{\"annotations\":[{\"key\":\"exec-domain\",\"value\":\"knative\"},{\"key\":\"min-scale\",\"value\":3},{\"key\":\"max-scale\",\"value\":1}]}" &&
	invoke bad >b.json &&
	jq -e ".response.status == \"whisk internal error\" or .response.status == \"action developer error\"" b.json &&
	jq -r .response.result.error b.json >err &&
	grep -q "Kubernetes refused the Knative Service" err &&
	grep -q "min-scale=3 is greater than max-scale=1" err
'

test_expect_success 'code too big for the environment reaches the pod with its first run' '
	{ cat fn.py; head -c 400000 /dev/zero | tr "\0" "#"; echo; } >big.py &&
	put_knative big python:3 big.py &&
	invoke big "{\"name\":\"big\"}" >g.json &&
	jq -e ".response.result.greeting == \"hello big\"" g.json
'

test_expect_success 'a rotated token is read again when the API says 401' '
	echo "token-$$-2" >kfake/token &&
	echo "token-$$-2" >kfake/client-token &&
	put_knative rot python:3 fn.py &&
	invoke rot >r.json &&
	jq -e .response.success r.json
'

test_expect_success 'the API server away: warm runs go on, a new Service fails clearly; back: it works' '
	kfake_api_down &&
	invoke rot >w.json &&
	jq -e .response.success w.json &&
	put_knative away python:3 fn.py &&
	invoke away >a1.json &&
	jq -r .response.result.error a1.json | grep -q "could not start" &&
	kfake_api_up &&
	invoke away >a2.json &&
	jq -e .response.success a2.json
'

# restarted here, not in a test's body: that runs in a subshell, where the
# stop start_backend registers for the end would be lost with the new PID
stop_backend $BACKEND_PID
FAASFS_KUBECONFIG= KUBECONFIG= start_backend

test_expect_success 'without a cluster the knative domain says so' '
	put_knative none python:3 fn.py &&
	invoke none >n.json &&
	jq -r .response.result.error n.json | grep -q "knative execution domain is not available"
'

test_done

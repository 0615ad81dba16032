#!/bin/sh
# Services of versions gone while the backend was away (the action updated or deleted by a
# backend with no cluster, on the same store) are deleted when it starts again with one; the
# Services of current versions stay, and run warm from where they were.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'knative garbage collection at start' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi

start_kfake --idle-ms 60000
start_backend_knative

cat >fn.py <<'EOF2'
def main(a):
    return {"v": 1}
EOF2
sed 's/"v": 1/"v": 2/' fn.py >fn2.py

# svc_of ACTION: the name of its one Service in the fake (none: empty)
svc_of() { ksvcs | grep "^f-guest-$1-"; }

test_expect_success 'three knative actions run, each with its Service' '
	for a in keep upd gone; do
		put_knative $a python:3 fn.py && invoke $a >$a.json && jq -e ".response.result.v == 1" $a.json || exit 1
	done &&
	svc_of keep >keep.svc && svc_of upd >upd.svc && svc_of gone >gone.svc &&
	test "$(ksvcs | wc -l)" = 3
'

# The backend goes; one with no cluster, on the same store, updates one action and deletes
# another (it can collect nothing); then the backend comes back with the cluster.
stop_backend $BACKEND_PID
FAASFS_KUBECONFIG= KUBECONFIG= start_backend
put_knative upd python:3 fn2.py
curl -sf -u "$AUTH" -X DELETE "$API/actions/gone" >/dev/null
stop_backend $BACKEND_PID
start_backend_knative

test_expect_success 'back with the cluster: the Services of the versions gone are deleted' '
	wait_for "! ksvcs | grep -qx $(cat gone.svc)" &&
	wait_for "! ksvcs | grep -qx $(cat upd.svc)" &&
	grep -q "Services of versions updated or deleted while the backend was away go" "$SCRATCH/backend.log"
'

test_expect_success 'the current ones stay: keep runs in the Service it had, upd runs its new code' '
	ksvcs | grep -qx "$(cat keep.svc)" &&
	invoke keep >k2.json && jq -e ".response.result.v == 1" k2.json &&
	test "$(svc_of keep)" = "$(cat keep.svc)" &&
	invoke upd >u2.json && jq -e ".response.result.v == 2" u2.json &&
	test "$(ksvcs | wc -l)" = 2
'

test_done

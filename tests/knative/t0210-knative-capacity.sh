#!/bin/sh
# The knative domain's containers run in the cluster: they take none of this host's capacity
# (--max-containers, --max-memory, --max-starts), so a knative action is never refused for the
# host's caps, never evicts a local container to make room, and is never evicted for one.
. "$(dirname "$0")/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'knative and the host caps' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi

start_kfake --idle-ms 60000
# one container, 256 MB in all, and no stem cells: the caps are all local containers may take
FAASFS_STEMCELLS=-1 start_backend_knative --max-containers 1 --max-memory 256

cat >fn.py <<'EOF2'
def main(a):
    return {"n": a.get("n")}
EOF2

# startup: how the activation record on stdin started: cold, warm or stemcell
startup() { jq -r '.annotations[] | select(.key == "startup") | .value'; }

test_expect_success 'a knative action asking more memory than the host gives all its containers runs' '
	put_knative big python:3 fn.py "{\"limits\":{\"memory\":512}}" &&
	invoke big "{\"n\":1}" >big.json &&
	jq -e ".response.result.n == 1" big.json &&
	jq -e "[.annotations[] | select(.key == \"domain\") | .value] == [\"knative\"]" big.json &&
	put_action lobig python:3 fn.py "{\"limits\":{\"memory\":512}}" &&
	invoke lobig >lobig.json &&
	jq -r .response.result.error lobig.json | grep -q "more than this host gives"
'

test_expect_success 'with room for one container, a local one and knative ones stay warm side by side' '
	put_action lo python:3 fn.py &&
	put_knative kn python:3 fn.py &&
	invoke lo "{\"n\":2}" >l1.json && jq -e ".response.result.n == 2" l1.json &&
	invoke kn "{\"n\":3}" >k1.json && jq -e ".response.result.n == 3" k1.json &&
	invoke big "{\"n\":4}" >b2.json && jq -e ".response.result.n == 4" b2.json &&
	invoke lo >l2.json && test "$(startup <l2.json)" = warm &&
	invoke kn >k2.json && test "$(startup <k2.json)" = warm &&
	invoke big >b3.json && test "$(startup <b3.json)" = warm
'

test_expect_success 'the host counts only its own container' '
	curl -s "$METRICS" >m.txt &&
	grep -qx "faasfs_container_memory_mb 256" m.txt
'

test_done

#!/bin/sh
# Warm reuse, stem cells, updates, scale to zero and the scheduler's metrics.
. "$(dirname "$0")/backend-lib.sh"

export FAASFS_STEMCELL_KINDS=""       # stem cells only for kinds seen
export FAASFS_STEMCELLS_NEW=0         # and none for actions made (t1740)
# An idle time no pause between two invokes reaches, however loaded the
# machine (with --idle 1 a second run came cold under load); scale to zero
# has a backend of its own below.
start_backend --idle 600

cat >who.py <<'PY'
import os
def main(args):
    print("who am i")
    return {"uid": os.getuid(), "v": 1}
PY
sed 's/"v": 1/"v": 2/' who.py >who2.py

gauge() { curl -s "$METRICS" | sed -n "s/^$1 //p"; }

test_expect_success 'the first run of a new kind is cold, the second warm in the same container' '
	put_action who python:3 who.py &&
	invoke who >1.json &&
	test "$(startup 1.json)" = cold &&
	jq -e ".annotations[] | select(.key == \"initTime\") | .value > 0" 1.json &&
	invoke who >2.json &&
	test "$(startup 2.json)" = warm &&
	test "$(field 2.json .response.result.uid)" = "$(field 1.json .response.result.uid)" &&
	field 2.json ".logs[0]" | grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z stdout: who am i$"
'

test_expect_success 'a stem cell of that kind waits, and the next action takes it' '
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 1" &&
	put_action other python:3 who.py &&
	invoke other >3.json &&
	test "$(startup 3.json)" = stemcell &&
	test "$(field 3.json .response.result.uid)" != "$(field 1.json .response.result.uid)"
'

test_expect_success 'an update runs the new code in a new container' '
	put_action who python:3 who2.py &&
	invoke who >4.json &&
	test "$(field 4.json .response.result.v)" = 2 &&
	test "$(startup 4.json)" != warm
'

test_expect_success 'metrics show containers, queue depth and starts' '
	curl -s "$METRICS" >metrics &&
	grep "^faasfs_containers{state=\"warm\"} [0-9]" metrics &&
	grep "^faasfs_containers{state=\"busy\"} 0" metrics &&
	grep "^faasfs_queue_depth 0" metrics &&
	grep "^faasfs_sched_starts_total{start=\"cold\"} 1" metrics &&
	grep "^faasfs_sched_starts_total{start=\"warm\"} 1" metrics
'

kill $BACKEND_PID && wait_for "! kill -0 $BACKEND_PID"
start_backend --idle 1

test_expect_success 'idle containers stop after the idle time (scale to zero)' '
	invoke who >5.json &&
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"warm\\\"})\" = 0" 600 &&
	invoke who >5b.json &&
	test "$(startup 5b.json)" != warm
'

kill $BACKEND_PID && wait_for "! kill -0 $BACKEND_PID"
unset FAASFS_STEMCELL_KINDS
start_backend

test_expect_success 'a fresh backend has a stem cell ready for the first run' '
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 1" &&
	put_action first python:3 who.py &&
	invoke first >6.json &&
	test "$(startup 6.json)" = stemcell
'

test_expect_success 'an action right after another takes the stem cell still starting' '
	put_action second python:3 who.py &&
	put_action third python:3 who.py &&
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 1" &&
	curl -s -u "$AUTH" -X POST -H "Content-Type: application/json" -d "{}" \
		"$API/actions/second?blocking=true" -o 6b.json "$API/actions/third?blocking=true" -o 6c.json &&
	test "$(startup 6b.json)" = stemcell &&
	test "$(startup 6c.json)" = stemcell
'

test_expect_success 'a stem cell of another kind serves a new kind, which then gets its own' '
	printf "function main() { return {kind: \"node\"} }\n" >n.js &&
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 1" &&
	put_action n1 $NODE_KIND n.js &&
	invoke n1 >7.json &&
	test "$(field 7.json .response.result.kind)" = node &&
	test "$(startup 7.json)" = stemcell &&
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 2" &&
	put_action n2 $NODE_KIND n.js &&
	invoke n2 >8.json &&
	test "$(startup 8.json)" = stemcell
'

test_done

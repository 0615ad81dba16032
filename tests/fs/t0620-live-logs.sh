#!/bin/bash
# t0620-live-logs.sh — a running activation's logs as they come: tail -f of
# activations/ID/logs and of the action's logs, and the REST API's
# logs?follow=true, each shows a line before the activation ends.
#
# No timing: the function prints, then waits until the test makes a trigger
# (it asks the API with its own key), and only then prints again and ends.
# So a line seen while the record is still missing was seen while it ran.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions
test_at_end 'kill $(cat "$SCRATCH"/tail*.pid 2>/dev/null)'

cat >gate.py <<'EOF'
import time, faasfs
def main(a):
    print("before " + a["gate"], flush=True)
    while True:
        try:
            faasfs.Client().request("GET", "_/triggers/" + a["gate"])
            break
        except faasfs.Error as e:
            if e.status != 404:
                raise
            time.sleep(0.05)
    print("after " + a["gate"], flush=True)
    return {"passed": a["gate"]}
EOF

# start GATE: invoke gate without waiting, print the activation id
start() { rest POST "actions/gate?blocking=false" "{\"gate\":\"$1\"}" | jq -r .activationId; }
# running ID: the activation has no record yet (404)
running() { rest GET "activations/$1" | jq -e '.code // .error' >/dev/null; }
open_gate() { rest PUT "triggers/$1" '{}' >/dev/null; }

test_expect_success 'setup: the gate action, with a key to ask the API' '
	cp gate.py "$A/" &&
	echo "{\"provide-api-key\": true}" >"$A/gate/annotations"
'

test_expect_success 'tail -f activations/ID/logs shows a line while the activation runs, then the rest' '
	id=$(start one) && test -n "$id" &&
	within 20 "test -e $FAAS/activations/$id/logs" &&
	{ tail -f "$FAAS/activations/$id/logs" >tail1.out & echo $! >tail1.pid; } &&
	within 30 "grep -q \"stdout: before one\$\" tail1.out" &&
	running "$id" &&
	! grep -q "after one" tail1.out &&
	open_gate one &&
	within 30 "grep -q \"stdout: after one\$\" tail1.out" &&
	within 10 "! running $id" &&
	kill $(cat tail1.pid) &&
	rest GET "activations/$id/logs" | jq -r ".logs[]" >want1 &&
	test_cmp want1 tail1.out &&
	test_cmp want1 "$FAAS/activations/$id/logs"
'

test_expect_success 'tail -f of the action'"'"'s logs shows a running activation'"'"'s lines too' '
	{ tail -n 0 -f "$A/gate/logs" >tail2.out & echo $! >tail2.pid; } &&
	id=$(start two) &&
	within 30 "grep -q \"stdout: before two\$\" tail2.out" &&
	running "$id" &&
	open_gate two &&
	within 30 "grep -q \"stdout: after two\$\" tail2.out" &&
	kill $(cat tail2.pid) &&
	test "$(grep -c "before two" tail2.out)" = 1
'

test_expect_success 'REST: logs?follow=true streams the lines while it runs and ends with the record' '
	id=$(start three) &&
	{ curl -sN -u "$FAASFS_AUTH" "$API/activations/$id/logs?follow=true" >follow.out & echo $! >tail3.pid; } &&
	within 30 "grep -q \"stdout: before three\$\" follow.out" &&
	running "$id" &&
	open_gate three &&
	wait_for "! kill -0 $(cat tail3.pid)" 600 &&
	! running "$id" &&
	rest GET "activations/$id/logs" | jq -r ".logs[]" >want3 &&
	test_cmp want3 follow.out
'

test_expect_success 'REST: follow of a finished activation gives its lines and ends; an unknown id is 404' '
	id=$(rest POST "actions/gate?blocking=true" "{\"gate\":\"one\"}" | jq -r .activationId) &&
	curl -sf -u "$FAASFS_AUTH" "$API/activations/$id/logs?follow=true" >done.out &&
	grep -q "stdout: after one" done.out &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -u "$FAASFS_AUTH" "$API/activations/0123456789abcdef0123456789abcdef/logs?follow=true")" = 404
'

test_done

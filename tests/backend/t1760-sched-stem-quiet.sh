#!/bin/sh
# A stem cell a run takes is replaced after the run's answer, when the
# backend has nothing in flight (sched_quiet), or FAASFS_STEM_WAIT_MS
# (default 20) after its /init at the latest: started at once, the
# replacement's start ran beside the run and delayed its answer.
#
# No timing: the run says it runs (it makes the trigger running-GATE) and
# then waits at its gate (the trigger GATE, which the test makes, as in
# t0700). Before, the replacement was started in the same loop callback
# that sent the run, so it was there by the time the run said it runs.
. "$(dirname "$0")/backend-lib.sh"

export FAASFS_STEMCELL_KINDS=python:3 # one python stem cell from the start
export FAASFS_STEMCELLS_NEW=0         # and none more for actions made

gated_py >gated.py

gauge() { curl -s "$METRICS" | sed -n "s/^$1 //p"; }
# stems: stem cells ready or starting (starting counts every container starting)
stems() { echo $(($(gauge 'faasfs_containers{state="stemcell"}') + $(gauge 'faasfs_containers{state="starting"}'))); }
trigger() { curl -sf -o /dev/null -u "$AUTH" "$API/triggers/$1"; }
open_gate() { curl -sf -o /dev/null -u "$AUTH" -X PUT -H "Content-Type: application/json" -d "{}" "$API/triggers/$1"; }
post() { curl -s -u "$AUTH" -X POST -H "Content-Type: application/json" -d "$2" "$API/actions/$1" | jq -r .activationId; }
record() { curl -sf -u "$AUTH" "$API/activations/$1" >"$2"; }
ready() { test "$(gauge 'faasfs_containers{state="stemcell"}')" = 1 && test "$(gauge 'faasfs_containers{state="starting"}')" = 0; }
gated() {
	put_action "$1" python:3 gated.py \
		'{"limits":{"timeout":300000},"annotations":[{"key":"provide-api-key","value":true}]}'
}

FAASFS_STEM_WAIT_MS=600000 start_backend
test_at_end 'open_gate g1; open_gate g2'

test_expect_success 'no stem cell starts while the run that took one is in flight' '
	{ wait_for ready 1200 || { say "no python stem cell"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; } &&
	gated a1 &&
	id=$(post a1 "{\"gate\":\"g1\"}") && test -n "$id" && echo "$id" >a1.id &&
	{ wait_for "trigger running-g1" 1200 || { say "the run never ran"; false; }; } &&
	test "$(gauge faasfs_containers{state=\\\"busy\\\"})" = 1 &&
	{ test "$(stems)" = 0 || { say "a stem cell started beside the run:"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; }
'

test_expect_success 'its replacement starts once the answer is out' '
	open_gate g1 &&
	id=$(cat a1.id) &&
	wait_for "record $id a1.json" 1200 &&
	test "$(startup a1.json)" = stemcell &&
	test "$(field a1.json .response.result.done)" = g1 &&
	{ wait_for ready 1200 || { say "no stem cell after the answer"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; }
'

stop_backend $BACKEND_PID
start_backend

test_expect_success 'a run that stays does not keep its stem cell from being replaced (20 ms)' '
	{ wait_for ready 1200 || { say "no python stem cell"; false; }; } &&
	gated a2 &&
	id=$(post a2 "{\"gate\":\"g2\"}") && test -n "$id" &&
	wait_for "trigger running-g2" 1200 &&
	{ wait_for ready 1200 || { say "no stem cell while the run waits"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; } &&
	! record $id a2.json &&
	open_gate g2 &&
	wait_for "record $id a2.json" 1200 &&
	test "$(startup a2.json)" = stemcell
'

test_done

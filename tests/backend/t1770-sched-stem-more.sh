#!/bin/sh
# New actions that come faster than a stem cell is replaced: when a new
# action's first container finds no stem cell of its kind ready (it takes
# one still starting, or starts cold), one more stem cell of the kind is
# kept, until no new action has come for --idle. Made back to back, the
# next new action came while the replacement of the one the last took was
# still starting, and waited for it (python 30-115 ms, node 40-150).
#
# The domain's work made ahead (shells, networks) waits for the same
# moment as stem cells (sched_quiet: no activation in flight), with the
# same cap: the cold start made while another run is in flight takes one
# of the two shells there are, and none is made until that run's answer
# is out. Before,
# the domain counted its own calls in flight, which end before the answer.
#
# No timing: FAASFS_STEM_WAIT_MS is long, so a taken stem cell is replaced
# only once nothing is in flight (t1760); a gated run holds the one stem
# cell meanwhile, and a second new action, made then, finds none.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"
. "$HERE/sandbox-lib.sh"

export FAASFS_STEMCELL_KINDS=python:3 # one python stem cell from the start
export FAASFS_STEMCELLS_NEW=0         # and none for actions made
export FAASFS_STEM_WAIT_MS=600000     # replaced once nothing is in flight

gated_py >gated.py
cat >hi.py <<'PY'
def main(args):
    return {"hi": 1}
PY

gauge() { curl -s "$METRICS" | sed -n "s/^$1 //p"; }
stems() { gauge 'faasfs_containers{state="stemcell"}'; }
starting() { gauge 'faasfs_containers{state="starting"}'; }
trigger() { curl -sf -o /dev/null -u "$AUTH" "$API/triggers/$1"; }
open_gate() { curl -sf -o /dev/null -u "$AUTH" -X PUT -H "Content-Type: application/json" -d "{}" "$API/triggers/$1"; }
post() { curl -s -u "$AUTH" -X POST -H "Content-Type: application/json" -d "$2" "$API/actions/$1" | jq -r .activationId; }
record() { curl -sf -u "$AUTH" "$API/activations/$1" >"$2"; }
# shells_are N: N python shells wait (SHELL_STOCK is 2; made as root only)
shells_are() { test "$(id -u)" != 0 || test "$(shells python3 | wc -l)" = "$1"; }
settled() { test "$(stems)" = "$1" && test "$(starting)" = 0; }

start_backend --idle 600
test_at_end 'open_gate g1'

test_expect_success 'a new action that finds a stem cell ready keeps one' '
	{ wait_for "settled 1" 1200 || { say "no python stem cell"; false; }; } &&
	put_action h0 python:3 hi.py &&
	invoke h0 >h0.json &&
	test "$(startup h0.json)" = stemcell &&
	{ wait_for "settled 1" 1200 || { say "not replaced"; false; }; } &&
	{ wait_for "shells_are 2" 1200 || { say "not two shells"; false; }; }
'

test_expect_success 'a new action that finds none ready (the one there is in use) starts cold, and no shell is made' '
	put_action a1 python:3 gated.py \
		"{\"limits\":{\"timeout\":300000},\"annotations\":[{\"key\":\"provide-api-key\",\"value\":true}]}" &&
	id=$(post a1 "{\"gate\":\"g1\"}") && test -n "$id" && echo "$id" >a1.id &&
	{ wait_for "trigger running-g1" 1200 || { say "the run never ran"; false; }; } &&
	test "$(stems)" = 0 && test "$(starting)" = 0 &&
	put_action h1 python:3 hi.py &&
	invoke h1 >h1.json &&
	test "$(startup h1.json)" = cold &&
	{ shells_are 1 || { say "a shell was made while a run is in flight"; false; }; }
'

test_expect_success 'then two stem cells of its kind are kept, and a shell made, once nothing is in flight' '
	open_gate g1 &&
	wait_for "record $(cat a1.id) a1.json" 1200 &&
	test "$(startup a1.json)" = stemcell &&
	{ wait_for "settled 2" 1200 || { say "not two stem cells:"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; } &&
	{ wait_for "shells_are 2" 1200 || { say "no shell made once nothing is in flight"; false; }; }
'

test_expect_success 'new actions back to back take them' '
	put_action h2 python:3 hi.py && put_action h3 python:3 hi.py &&
	invoke h2 >h2.json && invoke h3 >h3.json &&
	test "$(startup h2.json)" = stemcell && test "$(startup h3.json)" = stemcell &&
	{ wait_for "settled 2" 1200 || { say "not two stem cells again"; false; }; }
'

test_done

#!/bin/sh
# Fairness at the cap: an action with a backlog that holds every container
# gives one up to an action that waits for room, instead of serving its
# whole backlog first.
#
# No timing: each slow run waits until the test makes its trigger (it asks
# the API with its own key). With two runs holding both containers, four
# more queued and the quick action waiting, the test lets one slow run end.
# A fair scheduler gives the container it frees to the quick action, which
# then ends while every other gate is still shut; an unfair one gives it to
# the next slow run, which waits at its gate, and the quick one never runs.
. "$(dirname "$0")/backend-lib.sh"

start_backend --max-containers 2

cat >slow.py <<'PY'
import time, faasfs
def main(args):
    while True:
        try:
            faasfs.Client().request("GET", "_/triggers/" + args["gate"])
            return {"done": args["gate"]}
        except faasfs.Error as e:
            if e.status != 404:
                raise
            time.sleep(0.05)
PY
cat >quick.py <<'PY'
def main(args):
    return {"done": True}
PY

metric() { curl -s "$METRICS" | grep -q "$1"; }
post() { curl -s -u "$AUTH" -X POST -H "Content-Type: application/json" -d "${2:-{\}}" "$API/actions/$1" | jq -r .activationId; }
open_gate() { curl -sf -o /dev/null -u "$AUTH" -X PUT -H "Content-Type: application/json" -d "{}" "$API/triggers/$1"; }
record() { curl -sf -u "$AUTH" "$API/activations/$1" >"$2"; }
test_at_end 'for g in g1 g2 g3 g4 g5 g6; do open_gate $g; done'

test_expect_success 'a waiting action gets a container before the backlog is through' '
	put_action slow python:3 slow.py \
		"{\"limits\":{\"timeout\":300000},\"annotations\":[{\"key\":\"provide-api-key\",\"value\":true}]}" &&
	put_action quick python:3 quick.py &&
	for g in g1 g2 g3 g4 g5 g6; do
		id=$(post slow "{\"gate\":\"$g\"}") && test -n "$id" && echo "$g $id" >>ids || return 1
	done &&
	{ wait_for "metric \"^faasfs_containers{state=\\\"busy\\\"} 2\"" 1200 ||
		{ say "two slow runs never held both containers"; curl -s "$METRICS" | grep "^faasfs_contain"; false; }; } &&
	quick=$(post quick) && test -n "$quick" &&
	{ wait_for "metric \"^faasfs_queue_depth{action=\\\"[^\\\"]*quick\\\"} 1\"" 1200 ||
		{ say "the quick run never waited"; curl -s "$METRICS" | grep "^faasfs_queue"; false; }; } &&
	open_gate g1 &&
	{ wait_for "record $quick quick.json" 1200 ||
		{ say "the quick run did not end while slow runs held the gates:"; curl -s "$METRICS" | grep "^faasfs_queue\|^faasfs_contain"; false; }; } &&
	test "$(field quick.json .response.statusCode)" = 0 &&
	for g in g2 g3 g4 g5 g6; do
		id=$(sed -n "s/^$g //p" ids) &&
		! record $id slow-$g.json || { say "slow run $g ended behind its shut gate"; return 1; }
	done
'

test_done

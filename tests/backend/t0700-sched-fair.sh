#!/bin/sh
# Fairness at the cap: an action with a backlog that holds every container
# gives one up to an action that waits for room, instead of serving its
# whole backlog first.
. "$(dirname "$0")/backend-lib.sh"

start_backend --max-containers 2

cat >slow.py <<'PY'
import time
def main(args):
    time.sleep(2)
    return {"done": True}
PY
cat >quick.py <<'PY'
def main(args):
    return {"done": True}
PY

test_expect_success 'a waiting action gets a container before the backlog is through' '
	put_action slow python:3 slow.py "{\"limits\":{\"timeout\":30000}}" &&
	put_action quick python:3 quick.py &&
	for i in 1 2 3 4 5 6; do
		curl -s -u "$AUTH" -X POST "$API/actions/slow" | jq -r .activationId >>ids || return 1
	done &&
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_containers{state=\\\"busy\\\"} 2\"" &&
	invoke quick >quick.json &&
	test "$(field quick.json .response.statusCode)" = 0 &&
	quick_end=$(field quick.json .end) &&
	for id in $(cat ids); do
		wait_for "curl -sf -u $AUTH $API/activations/$id >slow-$id.json" 400 || return 1
	done &&
	after=$(cat slow-*.json | jq -s "map(select(.end > $quick_end)) | length") &&
	echo "slow runs that ended after the quick one: $after of 6" &&
	test "$after" -ge 3
'

test_done

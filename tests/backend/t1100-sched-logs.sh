#!/bin/sh
# Log collection end to end: stdout and stderr lines stamped and tagged, the
# output of the code's import in the first activation only, each activation
# its own lines (the limit and its marker are in t0300).
. "$(dirname "$0")/backend-lib.sh"

start_backend

cat >talk.py <<'PY'
import sys
print("loading")
def main(args):
    print("out", args.get("n"))
    print("err", args.get("n"), file=sys.stderr)
    return {"n": args.get("n")}
PY

test_expect_success 'lines are stamped and tagged by stream; import output goes to the first activation' '
	put_action talk python:3 talk.py &&
	invoke talk "{\"n\":1}" >1.json &&
	invoke talk "{\"n\":2}" >2.json &&
	jq -r ".logs[]" 1.json >1.logs && jq -r ".logs[]" 2.json >2.logs &&
	cat 1.logs 2.logs &&
	grep -E "^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z stdout: loading$" 1.logs &&
	grep -E "Z stdout: out 1$" 1.logs && grep -E "Z stderr: err 1$" 1.logs &&
	test "$(wc -l <1.logs)" = 3 &&
	! grep loading 2.logs &&
	grep -E "Z stdout: out 2$" 2.logs && grep -E "Z stderr: err 2$" 2.logs &&
	test "$(wc -l <2.logs)" = 2
'

# Sentinels name no activation: a pair ends the oldest run still going. A
# quick run answered beside a slow one must still end with its own pair,
# not wait for the slow one's or the grace and lose its logs for it.
cat >sleepy.js <<'JS'
function main(p) { console.log("slept", p.ms); return new Promise(r => setTimeout(() => r({ ms: p.ms }), p.ms)); }
JS
test_expect_success 'a quick run beside a slow one in the same container ends with its own sentinels' '
	put_action sleepy $NODE_KIND sleepy.js "{\"limits\":{\"concurrency\":10}}" &&
	invoke sleepy "{\"ms\":1}" >warm.json && jq -e ".response.success" warm.json &&
	{ invoke sleepy "{\"ms\":30000}" >slow.json & } &&
	wait_for "curl -sf \"$METRICS\" | grep -q \"^faasfs_containers{state=.busy.} 1\"" &&
	invoke sleepy "{\"ms\":1}" >quick.json && jq -c "{duration, logs}" quick.json &&
	jq -e ".response.result.ms == 1" quick.json &&
	! jq -r ".logs[]" quick.json | grep "issue while collecting"
'

test_done

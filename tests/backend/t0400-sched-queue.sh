#!/bin/sh
# Per-container concurrency, the cap on containers, and the bounded queue
# per action (429 over it).
. "$(dirname "$0")/backend-lib.sh"

start_backend --queue 1 --max-containers 2

cat >par.js <<'JS'
function main(args) {
	return new Promise(done => setTimeout(() => done({ uid: process.getuid() }), 1000));
}
JS
cat >slow.py <<'PY'
import time, os
def main(args):
    time.sleep(3)
    return {"uid": os.getuid()}
PY

test_expect_success 'runs share a container up to its concurrency' '
	put_action par $NODE_KIND par.js "{\"limits\":{\"concurrency\":4}}" &&
	for i in 1 2 3 4; do invoke par >par$i.json & done; wait &&
	for i in 1 2 3 4; do test "$(field par$i.json .response.statusCode)" = 0 || return 1; done &&
	test "$(cat par?.json | jq -r .response.result.uid | sort -u | wc -l)" = 1
'

test_expect_success 'over the queue bound an invoke gets 429' '
	put_action slow python:3 slow.py "{\"limits\":{\"timeout\":20000}}" &&
	for i in 1 2 3 4 5 6; do
		curl -s -o body$i -w "%{http_code}\n" -u "$AUTH" -X POST "$API/actions/slow" >>codes || return 1
	done &&
	cat codes &&
	grep -q 202 codes &&
	grep -q 429 codes &&
	grep -l . body* | xargs grep -h -i "queue"
'

test_expect_success 'never more containers than the cap' '
	curl -s "$METRICS" >metrics &&
	busy=$(sed -n "s/^faasfs_containers{state=\"busy\"} //p" metrics) &&
	warm=$(sed -n "s/^faasfs_containers{state=\"warm\"} //p" metrics) &&
	stem=$(sed -n "s/^faasfs_containers{state=\"stemcell\"} //p" metrics) &&
	test $((busy + warm + stem)) -le 2 &&
	test "$(proxies)" -le 3
'

test_expect_success 'the queued runs finish' '
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_queue_depth 0\"" 400 &&
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_containers{state=\\\"busy\\\"} 0\"" 400
'

test_done

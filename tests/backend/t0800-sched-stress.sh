#!/bin/sh
# Many actions, few containers: a burst of invocations that succeed, fail,
# crash and time out, under tight caps. Every request gets an answer, the
# backend lives, and when it is over nothing is busy or queued.
. "$(dirname "$0")/backend-lib.sh"

start_backend --max-containers 4 --queue 20 --idle 2

cat >ok.py <<'PY'
def main(args):
    return {"n": args.get("n", 0)}
PY
cat >bad.py <<'PY'
import os, time
def main(args):
    n = args.get("n", 0)
    if n % 3 == 0:
        os._exit(1)
    if n % 3 == 1:
        time.sleep(2)
    return {"error": "no"}
PY

test_expect_success 'six actions, 240 invocations, 30 at a time' '
	for a in ok1 ok2 ok3 ok4; do put_action $a python:3 ok.py || return 1; done &&
	put_action bad1 python:3 bad.py "{\"limits\":{\"timeout\":300}}" &&
	put_action bad2 python:3 bad.py "{\"limits\":{\"timeout\":300,\"concurrency\":2}}" &&
	for i in $(seq 240); do
		echo "$i ok$((i % 4 + 1))"
		[ $((i % 5)) = 0 ] && echo "$i bad$((i % 2 + 1))"
	done >plan &&
	xargs -P 30 -L 1 sh -c "curl -s -o /dev/null -w \"%{http_code}\n\" -u $AUTH -X POST \
		-H Content-Type:application/json -d \"{\\\"n\\\":\$0}\" \"$API/actions/\$1?blocking=true\"" \
		<plan >codes &&
	test "$(wc -l <codes)" = "$(wc -l <plan)" &&
	sort codes | uniq -c &&
	! grep -v -E "^(200|202|429|502)$" codes &&
	test "$(grep -c "^200$" codes)" -ge 100
'

test_expect_success 'the backend lives, and in the end nothing is busy or queued' '
	kill -0 $BACKEND_PID &&
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_containers{state=\\\"busy\\\"} 0\"" 400 &&
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_containers{state=\\\"starting\\\"} 0\"" 400 &&
	curl -s "$METRICS" >metrics &&
	grep "^faasfs_queue_depth 0" metrics &&
	invoke ok1 "{\"n\":7}" >last.json &&
	test "$(field last.json .response.result.n)" = 7
'

# What stays: the stem cell, and the two python shells made ahead
# (sandboxes with no proxy yet), each in cgroups of its own.
test_expect_success 'idle containers go, and their cgroups with them' '
	wait_for "curl -s \"$METRICS\" | grep -q \"^faasfs_containers{state=\\\"warm\\\"} 0\"" 400 &&
	wait_for "test \$(ls -d /sys/fs/cgroup/pids/faasfs-$BACKEND_PID/c[0-9]* 2>/dev/null | wc -l) -le 3" &&
	test "$(proxies)" -le 1
'

test_done

#!/bin/sh
# Faults are contained: an endless loop ends at its timeout, a memory hog and
# a fork bomb are stopped, a crash and a 100 MB answer give a clear developer
# error, and another action keeps being served meanwhile.
. "$(dirname "$0")/backend-lib.sh"

start_backend --idle 60

cat >ok.py <<'PY'
def main(args):
    return {"ok": True}
PY
cat >loop.py <<'PY'
def main(args):
    while True:
        pass
PY
cat >hog.py <<'PY'
def main(args):
    blocks = []
    while True:
        blocks.append(bytearray(16 << 20))
PY
cat >bomb.py <<'PY'
import os
def main(args):
    n = 0
    while n < 100000:
        try:
            if os.fork() == 0:
                import time
                time.sleep(30)
                os._exit(0)
            n += 1
        except OSError as e:
            return {"error": "fork failed after %d: %s" % (n, e)}
    return {"forks": n}
PY
cat >crash.py <<'PY'
import os
def main(args):
    print("about to crash")
    os._exit(3)
PY
cat >big.py <<'PY'
def main(args):
    return {"big": "x" * (100 << 20)}
PY
cat >chatty.py <<'PY'
def main(args):
    for i in range(5000):
        print("line %d %s" % (i, "y" * 100))
    return {"done": True}
PY

test_expect_success 'a healthy action answers' '
	put_action ok python:3 ok.py &&
	invoke ok >ok.json &&
	test "$(field ok.json .response.result.ok)" = true
'

test_expect_success 'an endless loop ends at its timeout with a developer error' '
	put_action loop python:3 loop.py "{\"limits\":{\"timeout\":1000}}" &&
	invoke loop >loop.json &&
	test "$(field loop.json .response.statusCode)" = 2 &&
	field loop.json .response.result.error | grep "time limit" &&
	jq -e ".annotations[] | select(.key == \"timeout\") | .value == true" loop.json &&
	test "$(field loop.json .duration)" -lt 4000
'

test_expect_success 'a memory hog is stopped at its memory limit' '
	put_action hog python:3 hog.py "{\"limits\":{\"memory\":128}}" &&
	invoke hog >hog.json &&
	test "$(field hog.json .response.statusCode)" = 2 &&
	field hog.json .response.result.error | grep "memory limit of 128 MB"
'

test_expect_success 'a fork bomb is contained' '
	put_action bomb python:3 bomb.py "{\"limits\":{\"timeout\":10000}}" &&
	invoke bomb >bomb.json &&
	field bomb.json .response.result.error | grep "fork failed" &&
	test "$(cat /sys/fs/cgroup/pids/faasfs-$BACKEND_PID/c[0-9]*/pids.current | sort -n | tail -1)" -le 256
'

test_expect_success 'a crash is a clear developer error' '
	put_action crash python:3 crash.py &&
	invoke crash >crash.json &&
	test "$(field crash.json .response.statusCode)" = 2 &&
	test -n "$(field crash.json .response.result.error)"
'

test_expect_success 'a 100 MB answer is a clear developer error' '
	put_action big python:3 big.py "{\"limits\":{\"memory\":512}}" &&
	invoke big >big.json &&
	test "$(field big.json .response.statusCode)" = 2 &&
	field big.json .response.result.error | grep -i "length\|large\|size\|exceed"
'

test_expect_success 'logs over the limit are cut with a marker' '
	put_action chatty python:3 chatty.py "{\"limits\":{\"logs\":0}}" &&
	invoke chatty >chatty.json &&
	test "$(field chatty.json .response.result.done)" = true &&
	field chatty.json ".logs[-1]" | grep "Logs were truncated"
'

test_expect_success 'the healthy action was served all along, the backend lives' '
	invoke ok >ok2.json &&
	test "$(field ok2.json .response.result.ok)" = true &&
	kill -0 $BACKEND_PID
'

test_done

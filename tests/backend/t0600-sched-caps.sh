#!/bin/sh
# The host's caps: at the container cap an idle container of another action
# is stopped to make room; an action that could never fit is refused at once.
. "$(dirname "$0")/backend-lib.sh"

start_backend --max-containers 1 --max-memory 600

cat >who.py <<'PY'
import os
def main(args):
    return {"uid": os.getuid()}
PY

test_expect_success 'two actions take turns in the one container the cap allows' '
	put_action a python:3 who.py &&
	put_action b python:3 who.py &&
	invoke a >a1.json && test "$(field a1.json .response.statusCode)" = 0 &&
	invoke b >b1.json && test "$(field b1.json .response.statusCode)" = 0 &&
	invoke a >a2.json && test "$(field a2.json .response.statusCode)" = 0 &&
	test "$(startup a2.json)" != warm &&
	curl -s "$METRICS" | grep -E "^faasfs_container_evictions_total [1-9]" &&
	test "$(proxies)" -le 2
'

test_expect_success 'an action over the host memory cap fails at once' '
	put_action huge python:3 who.py "{\"limits\":{\"memory\":1024}}" &&
	invoke huge >huge.json &&
	test "$(field huge.json .response.statusCode)" = 3 &&
	field huge.json .response.result.error | grep -i memory
'

test_done

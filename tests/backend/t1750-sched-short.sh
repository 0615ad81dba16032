#!/bin/sh
# How far a pool grows. An action whose runs are short (its quickest runs
# under --short-run) keeps at most four containers a CPU however many
# callers wait: more would only share the CPUs. One whose runs are long
# still grows a container per caller waiting, as far as the caps let it.
# The counts are the scheduler's, from /metrics: an action's containers
# now and the most it had at once. --short-run is 50 ms here, not the
# default 2: on a host busy with other work, a python echo's quickest
# runs can take a few milliseconds.
. "$(dirname "$0")/backend-lib.sh"

if ! command -v wrk >/dev/null; then
	test_skip "how far a pool grows" "wrk is not installed (scripts/deps installs it)"
	test_done
fi
start_backend --short-run 50

cat >echo.py <<'PY'
def main(args):
    return args
PY
cat >slow.py <<'PY'
import time
def main(args):
    time.sleep(0.5)
    return {"slept": 0.5}
PY

peak() { curl -s "$METRICS" | sed -n "s|^faasfs_action_containers_peak{action=\"guest/$1\"} ||p"; }
CPUS=$(nproc)

test_expect_success 'a short action at 64 callers keeps at most four containers a CPU' '
	put_action echo python:3 echo.py &&
	invoke echo >first.json && test "$(field first.json .response.status)" = success &&
	cat >post.lua <<-LUA &&
	wrk.method = "POST"
	wrk.body = "{\"x\":1}"
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Basic $(printf %s "$AUTH" | base64 -w0)"
	LUA
	wrk -t2 -c64 -d3s -s post.lua "$API/actions/echo?blocking=true&result=true" >wrk.out &&
	cat wrk.out &&
	! grep -q "Non-2xx" wrk.out &&
	n=$(peak echo) && echo "peak $n, $CPUS CPUs" &&
	test "$n" -ge 1 && test "$n" -le $((4 * CPUS))
'

test_expect_success 'a slow action at four callers a CPU and four more grows past that' '
	put_action slow python:3 slow.py &&
	invoke slow >s0.json && test "$(field s0.json .response.status)" = success &&
	for i in $(seq $((4 * CPUS + 4))); do
		(invoke slow >/dev/null; invoke slow >/dev/null; invoke slow >/dev/null) &
	done &&
	wait &&
	n=$(peak slow) && echo "peak $n, $CPUS CPUs" &&
	test "$n" -gt $((4 * CPUS))
'

test_done

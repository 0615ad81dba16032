#!/bin/sh
# A container that dies is replaced; a backend killed with -9 leaves no
# container behind, and the next backend sweeps what the dead one left.
. "$(dirname "$0")/backend-lib.sh"

start_backend

cat >who.py <<'PY'
import os
def main(args):
    return {"uid": os.getuid()}
PY

cgroups() { ls -d /sys/fs/cgroup/pids/faasfs-$1 2>/dev/null; }

test_expect_success 'a killed container is replaced at the next run' '
	put_action who python:3 who.py &&
	invoke who >1.json &&
	uid=$(field 1.json .response.result.uid) &&
	victim=$(for p in $(pgrep -P $BACKEND_PID faasfs-proxy); do
		if [ "$(stat -c %u /proc/$p)" = "$uid" ]; then echo $p; fi; done) &&
	test -n "$victim" &&
	kill -9 $victim &&
	wait_for "! kill -0 $victim" &&
	invoke who >2.json &&
	test "$(field 2.json .response.statusCode)" = 0 &&
	test "$(startup 2.json)" != warm &&
	curl -s "$METRICS" | grep "^faasfs_container_deaths_total 1"
'

test_expect_success 'kill -9 of the backend takes its containers with it' '
	invoke who >3.json &&
	pids=$(pgrep -P $BACKEND_PID faasfs-proxy) &&
	test -n "$pids" &&
	test -n "$(cgroups $BACKEND_PID)" &&
	kill -9 $BACKEND_PID &&
	for p in $pids; do wait_for "! kill -0 $p" 200 || return 1; done &&
	echo $BACKEND_PID >dead.pid
'

start_backend

test_expect_success 'the next backend sweeps what the dead one left' '
	wait_for "test -z \"\$(cgroups $(cat dead.pid))\"" &&
	! ls -d run/c$(cat dead.pid)-* &&
	invoke who >4.json &&
	test "$(field 4.json .response.statusCode)" = 0
'

test_expect_success 'a backend that stops leaves no container, cgroup or file behind' '
	pids=$(pgrep -P $BACKEND_PID faasfs-proxy) &&
	test -n "$pids" &&
	kill $BACKEND_PID &&
	wait_for "! kill -0 $BACKEND_PID" &&
	for p in $pids; do ! kill -0 $p || return 1; done &&
	test -z "$(cgroups $BACKEND_PID)" &&
	! ls -d run/c$BACKEND_PID-*
'

test_done

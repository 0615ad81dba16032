#!/bin/bash
# t0700-lifecycle.sh — other clients' changes, the backend going away and back, SIGTERM, kill -9.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions
CODE='{"exec":{"kind":"python:3","code":"def main(a):\n    return {\"v\": 1}\n"}}'

test_expect_success 'an action made through REST shows within 1 s' '
	ls "$A" >/dev/null &&
	rest PUT actions/viarest "$CODE" >/dev/null &&
	within 1 "test -d $A/viarest"
'

test_expect_success 'an update through REST shows within 1 s' '
	test "$(cat $A/viarest/version)" = 0.0.1 &&
	rest PUT "actions/viarest?overwrite=true" "$CODE" >/dev/null &&
	within 1 "test \"\$(cat $A/viarest/version)\" = 0.0.2"
'

test_expect_success 'a delete through REST shows within 1 s, even for a name just looked at' '
	stat "$A/viarest" >/dev/null &&
	rest DELETE actions/viarest >/dev/null &&
	within 1 "! test -e $A/viarest"
'

test_expect_success 'backend down: entity files give EIO and status says why' '
	py hello "{\"ok\": True}" && cp hello.py "$A/" &&
	backend_stop &&
	within 5 "grep -q down $FAAS/status" &&
	grep -q "^backend http://127.0.0.1:$BPORT down since .*: " "$FAAS/status" &&
	! cat "$A/hello/code" 2>c.err &&
	grep -q "Input/output error" c.err &&
	cat "$FAAS/status" >/dev/null
'

test_expect_success 'the backend back: the mount works again, without a remount' '
	backend_start &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	cmp hello.py "$A/hello/code" &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}"
'

test_expect_success 'SIGTERM unmounts cleanly; a reader blocked on the stream gets EOF' '
	cat "$FAAS/activations/stream" >s.out 2>s.err &
	catpid=$! &&
	sleep 0.3 &&
	stop_pid "$(fs_pid)" TERM &&
	wait $catpid &&
	! mountpoint -q "$FAAS" &&
	grep -q "unmounted" "$SCRATCH/fs.log"
'

test_expect_success 'after kill -9 the mount point is usable again' '
	mount_start &&
	stop_pid "$(fs_pid)" KILL &&
	within 10 "ls $FAAS && ! mountpoint -q $FAAS" &&
	mount_start &&
	cmp hello.py "$A/hello/code"
'

test_expect_success 'an activation from before the mount is fetched by its id' '
	id=$(rest POST "actions/hello?blocking=true" "{}" | jq -r .activationId) &&
	mount_stop && mount_start &&
	ls "$FAAS/activations" >ls.out && ! grep -q "$id" ls.out &&
	test "$(cat $FAAS/activations/$id/result)" = "{\"ok\":true}" &&
	test "$(cat $FAAS/activations/$id/name)" = hello
'

test_expect_success 'mounted while the backend is down, it serves once the backend comes' '
	mount_stop && backend_stop &&
	mount_start down &&
	grep -q " down since " "$FAAS/status" &&
	! ls "$A" 2>/dev/null &&
	backend_start &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	cmp hello.py "$A/hello/code"
'

test_done

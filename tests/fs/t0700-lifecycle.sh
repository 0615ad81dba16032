#!/bin/bash
# t0700-lifecycle.sh — other clients' changes, the backend going away and back, SIGTERM, kill -9,
# the backend's socket and its port.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions
CODE='{"exec":{"kind":"python:3","code":"def main(a):\n    return {\"v\": 1}\n"}}'

test_expect_success 'an action made through REST shows without a remount' '
	ls "$A" >/dev/null &&
	rest PUT actions/viarest "$CODE" >/dev/null &&
	within 10 "test -d $A/viarest"
'

test_expect_success 'an update through REST shows without a remount' '
	test "$(cat $A/viarest/version)" = 0.0.1 &&
	rest PUT "actions/viarest?overwrite=true" "$CODE" >/dev/null &&
	within 10 "test \"\$(cat $A/viarest/version)\" = 0.0.2"
'

test_expect_success 'a delete through REST shows without a remount, even for a name just looked at' '
	stat "$A/viarest" >/dev/null &&
	rest DELETE actions/viarest >/dev/null &&
	within 10 "! test -e $A/viarest"
'

# Every name the action goes by goes with it, the archives' NAME.zip,
# NAME.tar.gz and NAME.tgz too (the mount invalidates each name of its
# extension table), not an entry the kernel keeps for ENTRY_TIMEOUT.
test_expect_success 'a delete through REST drops every NAME.EXT the action was looked up by' '
	rest PUT actions/arch "$CODE" >/dev/null &&
	within 10 "test -d $A/arch" &&
	for x in py js zip tar.gz tgz; do stat "$A/arch.$x" >/dev/null || exit 1; done &&
	rest DELETE actions/arch >/dev/null &&
	within 10 "! test -e $A/arch" &&
	wait_for "! test -e $A/arch.zip && ! test -e $A/arch.tar.gz && ! test -e $A/arch.tgz" 3
'

# connections: how many connections the backend has accepted on its
# socket (ss lists the server's ends by the socket's path), or on its port.
socket_conns() { ss -xH state connected src "$SOCK" | wc -l; }
port_conns() { ss -tnH state established "( sport = :$BPORT )" | wc -l; }

test_expect_success 'the mount follows the backend over its socket, not its port' '
	test -S "$SOCK" &&
	test "$(socket_conns)" -ge 1 &&
	test "$(port_conns)" = 0
'

test_expect_success 'backend down: entity files give EIO and status says why' '
	py hello "{\"ok\": True}" && cp hello.py "$A/" &&
	backend_stop &&
	! test -e "$SOCK" &&
	within 20 "grep -q down $FAAS/status" &&
	grep -q "^backend http://127.0.0.1:$BPORT down since .*: " "$FAAS/status" &&
	! cat "$A/hello/code" 2>c.err &&
	grep -q "Input/output error" c.err &&
	cat "$FAAS/status" >/dev/null
'

test_expect_success 'the backend back: the mount works again on its new socket, without a remount' '
	backend_start &&
	test -S "$SOCK" &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	cmp hello.py "$A/hello/code" &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}"
'

test_expect_success 'SIGTERM unmounts cleanly; a reader blocked on the stream gets EOF' '
	cat "$FAAS/activations/stream" >s.out 2>s.err &
	catpid=$! &&
	wait_for "has_open $catpid $FAAS/activations/stream" 400 &&
	stop_pid "$(fs_pid)" TERM &&
	wait $catpid &&
	! is_mounted "$FAAS" &&
	grep -q "unmounted" "$SCRATCH/fs.log"
'

# mount_said: why the mount point is not usable, for a failure's output.
mount_said() {
	say "ls: $(ls "$FAAS" 2>&1 >/dev/null)"
	say "mount table: $(grep " $FAAS " /proc/self/mounts || echo none)"
	say "fs.log:"
	tail -n 5 "$SCRATCH/fs.log" | sed "s/^/#   /"
}

# After a kill -9 the mount goes by fusermount3's auto_unmount helper, or,
# when that helper gives up (mounted.c says when), by faasfs's guard.
test_expect_success 'after kill -9 the mount point is usable again' '
	mount_start &&
	pid=$(fs_pid) &&
	{ stop_pid $pid KILL || { say "faasfs $pid lives on 10 s after kill -9"; false; }; } &&
	{ within 60 "ls $FAAS && ! mountpoint -q $FAAS" ||
		{ say "60 s after kill -9 the mount point is not usable:"; mount_said; false; }; } &&
	mount_start &&
	cmp hello.py "$A/hello/code"
'

test_expect_success 'an activation from before the mount is listed, and read' '
	id=$(rest POST "actions/hello?blocking=true" "{}" | jq -r .activationId) &&
	mount_stop && mount_start &&
	ls "$FAAS/activations" >ls.out && grep -q "$id" ls.out &&
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

test_expect_success 'a backend killed with -9 leaves its socket; the next one replaces it, the mount carries on' '
	stop_pid "$(backend_pid)" KILL &&
	test -S "$SOCK" &&
	within 20 "grep -q down $FAAS/status" &&
	backend_start &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}"
'

test_expect_success 'mounted without --socket it talks TCP to the port, and invokes' '
	mount_stop && mount_start tcp &&
	test "$(port_conns)" -ge 1 &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}" &&
	test "$(cat $A/hello/code)" = "$(cat hello.py)"
'

test_expect_success 'FAASFS_SOCKET in the environment does what --socket does' '
	mount_stop &&
	(export FAASFS_SOCKET="$SOCK" && mount_start tcp) &&
	test "$(socket_conns)" -ge 1 &&
	test "$(port_conns)" = 0 &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}"
'

# cmdline PID: what ps shows of a process's command line.
cmdline() { tr '\0' ' ' </proc/$1/cmdline; }
key=${FAASFS_AUTH#*:}

test_expect_success 'the key can come from a file (--auth-file), and ps never shows it' '
	mount_stop &&
	printf "%s\n" "$FAASFS_AUTH" >key && chmod 600 key &&
	(unset FAASFS_AUTH; "$FAASFS" -f --backend "http://127.0.0.1:$BPORT" --socket "$SOCK" --auth-file key "$FAAS" \
		>>"$SCRATCH/fs.log" 2>&1 & echo $! >"$SCRATCH/fs.pid") &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	test "$(cat $A/hello/invoke)" = "{\"ok\":true}" &&
	! cmdline $(fs_pid) | grep -q "$key" &&
	mount_stop &&
	printf "APIHOST=elsewhere\nAUTH=%s\n" "$FAASFS_AUTH" >props &&
	(unset FAASFS_AUTH; "$FAASFS" -f --backend "http://127.0.0.1:$BPORT" --socket "$SOCK" --auth-file props "$FAAS" \
		>>"$SCRATCH/fs.log" 2>&1 & echo $! >"$SCRATCH/fs.pid") &&
	within 10 "grep -q \"up\$\" $FAAS/status" &&
	mount_stop && mount_start &&
	cmdline $(fs_pid) | grep -q -- "--auth \*\**" &&
	! cmdline $(fs_pid) | grep -q "$key"
'

test_expect_success 'a missing key file is said, and nothing is mounted' '
	mount_stop &&
	! "$FAASFS" -f --auth-file nosuch "$FAAS" 2>err.out &&
	grep -q "cannot read the key: nosuch: No such file" err.out &&
	! is_mounted "$FAAS"
'

test_done

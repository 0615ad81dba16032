#!/bin/bash
# t0200-run.sh — make run (scripts/run) as a user meets it: what it says about
# ~/.wskprops is true, the fix it offers works, Ctrl-C stops everything, and a
# mount left dead by a killed run does not stop the next.
. "$(dirname "$0")/../lib.sh"

unset FAASFS_AUTH FAASFS_SOCKET XDG_DATA_HOME
export HOME=$SCRATCH/home FAAS=$SCRATCH/faas FAASFS_DATA=$SCRATCH/data
export FAASFS_LISTEN=127.0.0.1:$(free_port)
mkdir -p "$HOME"
STALE=0b5e1e7e-0000-4000-8000-000000000001:another-backends-key-0123456789abcdefghijklmnopqrstuvwxyzABCD

# run_start: scripts/run as in a terminal, until it has said what to try; its
# output in run.log
run_start() {
	fg_job "$TOP/scripts/run" >run.log 2>&1
	echo $! >run.pid
	wait_for "grep -q \"^Ctrl-C unmounts\" run.log || ! kill -0 $!" 400
	grep -q "^Ctrl-C unmounts" run.log || { cat run.log; return 1; }
}
# run_ctrl_c: what Ctrl-C does in that terminal
run_ctrl_c() {
	kill -INT -- "-$(cat run.pid)" &&
	wait_for "! kill -0 $(cat run.pid)"
}
run_kill() { kill -9 -- "-$(cat run.pid)" 2>/dev/null; wait_for "! kill -0 $(cat run.pid)"; }
test_at_end 'run_kill; is_mounted "$FAAS" && fusermount3 -u -z "$FAAS"'

# status URL AUTH: the HTTP status of listing actions with that key
status() { curl -s -o /dev/null -w "%{http_code}" -u "$2" "$1/api/v1/namespaces/_/actions"; }
prop() { sed -n "s/^$1=//p" "$HOME/.wskprops"; }

test_expect_success 'with another backend'"'"'s key in ~/.wskprops, make run says so, not that its key is there' '
	printf "NAMESPACE=_\nAPIHOST=http://127.0.0.1:3233\nAUTH=%s\n" "$STALE" >"$HOME/.wskprops" &&
	run_start &&
	grep -q "^key in $FAASFS_DATA/guest.auth)\.$" run.log &&
	! grep -q "key in .* and ~/.wskprops" run.log &&
	grep -q "^~/.wskprops has another key" run.log &&
	grep -q "get 401 from this backend" run.log &&
	grep -q "faasfs-backend warn: $HOME/.wskprops exists and was left as it is, with another key" run.log &&
	test "$(status "http://$FAASFS_LISTEN" "$STALE")" = 401
'

test_expect_success 'the fix it offers points ~/.wskprops here, keeps its other lines, 0600' '
	fix=$(sed -n "/^To point it here/{n;s/^    //p;}" run.log) &&
	test -n "$fix" &&
	eval "$fix" &&
	test "$(prop AUTH)" = "$(cat "$FAASFS_DATA/guest.auth")" &&
	test "$(prop APIHOST)" = "http://$FAASFS_LISTEN" &&
	test "$(prop NAMESPACE)" = _ &&
	test "$(stat -c %a "$HOME/.wskprops")" = 600 &&
	test "$(status "$(prop APIHOST)" "$(prop AUTH)")" = 200
'

test_expect_success 'Ctrl-C unmounts and stops the backend' '
	run_ctrl_c &&
	! is_mounted "$FAAS" &&
	tail -n 1 run.log | grep -q "^faasfs: unmounted $FAAS and stopped the backend" &&
	! curl -s -o /dev/null "http://$FAASFS_LISTEN/ping"
'

# fusermount3 and faasfs-guard watch faasfs from sessions of their own, to
# unmount when it dies; a mount is left dead when all are killed (kill -9 of
# all, the OOM killer)
test_expect_success 'a run killed with its watchers leaves a dead mount; the next mounts over it' '
	run_start &&
	kill -9 $(pgrep -f "^fusermount3 .* -- $FAAS\$") $(pgrep -f "^faasfs-guard $FAAS\$") &&
	run_kill &&
	is_mounted "$FAAS" && ! ls "$FAAS" 2>/dev/null &&
	run_start &&
	grep -q "^key in $FAASFS_DATA/guest.auth and ~/.wskprops)\.$" run.log &&
	! grep -q "wskprops exists" run.log &&
	grep -q "up$" "$FAAS/status" &&
	run_ctrl_c &&
	! is_mounted "$FAAS"
'

test_expect_success 'without ~/.wskprops it says there is none, and offers to write one' '
	rm "$HOME/.wskprops" &&
	run_start &&
	grep -q "^There is no ~/.wskprops" run.log &&
	fix=$(sed -n "/^To write one/{n;s/^    //p;}" run.log) &&
	eval "$fix" &&
	test "$(status "$(prop APIHOST)" "$(prop AUTH)")" = 200 &&
	run_ctrl_c
'

test_done

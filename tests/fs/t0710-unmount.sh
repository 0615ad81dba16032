#!/bin/bash
# t0710-unmount.sh — unmounting by any means ends a background faasfs, cleanly, whatever happened before.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

test_at_end 'backend_stop'
test_at_end 'kill $(cat holder.pid 2>/dev/null) 2>/dev/null'
test_at_end 'mount_stop'
backend_start || exit 1

# alive PID: PID runs (a zombie, dead but not yet reaped by whoever adopted it, does not count).
alive() { test -e "/proc/$1" && ! grep -q "^[0-9]* (.*) Z" "/proc/$1/stat" 2>/dev/null; }

# bg_mount: faasfs in the background, as faasfs(8) shows it; its pid in fs.pid.
bg_mount() {
	mkdir -p "$FAAS" &&
	"$FAASFS" --backend "http://127.0.0.1:$BPORT" --socket "$SOCK" --auth "$FAASFS_AUTH" "$FAAS" 2>>fs.log &&
	pgrep -f -n "^$FAASFS .* $FAAS\$" >"$SCRATCH/fs.pid" &&
	within 10 "grep -q \"up\$\" $FAAS/status"
}

test_expect_success 'fusermount3 -u ends a background faasfs' '
	bg_mount && pid=$(fs_pid) && alive $pid &&
	ls "$FAAS/actions" >/dev/null &&
	fusermount3 -u "$FAAS" &&
	within 10 "! alive $pid" &&
	! is_mounted "$FAAS"
'

test_expect_success 'fusermount3 -u ends it while another mount namespace holds a copy of the mount' '
	bg_mount && pid=$(fs_pid) &&
	{ unshare -m --propagation private sleep 600 & echo $! >holder.pid; } &&
	within 20 "grep -q \" $FAAS \" /proc/$(cat holder.pid)/mountinfo" &&
	fusermount3 -u "$FAAS" &&
	within 10 "! alive $pid" &&
	alive $(cat holder.pid) &&
	kill $(cat holder.pid)
'

test_expect_success 'umount ends it, after the backend was down and came back' '
	bg_mount && pid=$(fs_pid) &&
	backend_stop && within 10 "grep -q \" down since \" $FAAS/status" &&
	backend_start && within 10 "grep -q \"up\$\" $FAAS/status" &&
	{ unshare -m --propagation private sleep 600 & echo $! >holder.pid; } &&
	within 20 "grep -q \" $FAAS \" /proc/$(cat holder.pid)/mountinfo" &&
	umount "$FAAS" &&
	within 10 "! alive $pid" &&
	kill $(cat holder.pid)
'

test_expect_success 'SIGTERM ends it and unmounts, with no error, after the backend was down and came back' '
	: >fs.log && bg_mount && pid=$(fs_pid) &&
	backend_stop && within 10 "grep -q \" down since \" $FAAS/status" &&
	backend_start && within 10 "grep -q \"up\$\" $FAAS/status" &&
	kill -TERM $pid &&
	within 10 "! alive $pid" &&
	! is_mounted "$FAAS" &&
	! grep -i "fail" fs.log
'

test_done

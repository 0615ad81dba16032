#!/bin/bash
# t0300-harness.sh — the tests' own harness (tests/lib.sh, tests/fs/lib-fs.sh):
# a test file interrupted with a dead mount cleans up what it made and stops.
. "$(dirname "$0")/../lib.sh"

# A test file (its $0 names it in tests/fs, so it finds the tree) that mounts,
# leaves the mount dead (faasfs killed with the fusermount3 and the
# faasfs-guard that watch it),
# and waits to be interrupted; a test after that must never run.
cat >child.sh <<'CHILD'
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"
fs_start || exit 1
echo "$$ $SCRATCH $FAAS $(backend_pid)" >"$1"
kill -9 $(pgrep -f "^fusermount3 .* -- $FAAS\$") $(pgrep -f "^faasfs-guard $FAAS\$") $(fs_pid)
echo dead >>"$1"
sleep 600
test_expect_success 'never run' "touch $1.went-on"
test_done
CHILD

test_at_end '[ -s info ] && read -r c s m b <info && { kill -9 -- -$c $b; is_mounted $m && fusermount3 -u -z $m; rm -rf $s; }'
test_expect_success 'an interrupted test file unmounts what it mounted, dead or not, stops its backend, and stops' '
	fg_job bash -c ". ./child.sh" "$TOP/tests/fs/t9999-interrupted.sh" "$SCRATCH/info" >child.out 2>&1 &&
	child=$! &&
	wait_for "grep -q dead info || ! kill -0 $child" 400 &&
	read -r pid scratch mnt backend <info &&
	test "$pid" = "$child" &&
	is_mounted "$mnt" &&
	kill -INT -- -$child &&
	wait_for "! kill -0 $child" 400 &&
	! is_mounted "$mnt" &&
	! kill -0 "$backend" 2>/dev/null &&
	! test -e info.went-on &&
	! test -e "$scratch"
'

test_done

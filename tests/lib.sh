# tests/lib.sh — a small TAP harness in the style of git's t/test-lib.sh.
#
#   . "$(dirname "$0")/../lib.sh"
#   test_expect_success 'what it shows' '
#       commands that must all succeed
#   '
#   test_done
#
# Each test file runs in its own scratch directory ($SCRATCH, removed at the
# end unless FAAS_KEEP=1). Helpers for starting the real daemons are here too,
# so every suite starts them the same way.

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "/tmp/faasfs-$TEST_NAME.XXXXXX")
PROXY="$TOP/proxy/faasfs-proxy"
BACKEND="$TOP/backend/faasfs-backend"
FAASFS="$TOP/fsd/faasfs"
# the kind this host runs node actions as, as the backend names it from
# /usr/bin/node's version: nodejs:20 with node 20, nodejs:18 on Debian 12
NODE_KIND=nodejs:$(/usr/bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
test_count=0
test_failed=0
test_cleanups=""
cd "$SCRATCH" || exit 1

say() { printf '# %s\n' "$*"; }

# test_expect_success DESCRIPTION SCRIPT: run SCRIPT in a subshell with -e
# off but every command chained by the caller with &&.
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$SCRATCH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$SCRATCH/.out" | tail -n 40
	fi
}

# test_skip DESCRIPTION REASON
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_at_end COMMAND: run COMMAND when the file ends, whatever happened.
test_at_end() { test_cleanups="$1; $test_cleanups"; }

test_done() {
	eval "$test_cleanups" >/dev/null 2>&1
	echo "1..$test_count"
	[ "${FAAS_KEEP:-0}" = 1 ] || rm -rf "$SCRATCH"
	[ "$test_failed" = 0 ]
	exit $?
}

# Interrupted (Ctrl-C, a kill, prove gone so a write hits a closed pipe): clean
# up, and die of the signal rather than run the tests that remain.
test_interrupted() {
	eval "$test_cleanups" >/dev/null 2>&1
	cd / && { [ "${FAAS_KEEP:-0}" = 1 ] || rm -rf "$SCRATCH"; }
	trap - "$1"
	kill "-$1" $$
}
for _s in INT TERM HUP PIPE; do trap "test_interrupted $_s" $_s; done

# free_port: a TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for COMMAND [TRIES]: retry COMMAND every 50 ms until it succeeds.
wait_for() {
	n=${2:-200}
	while [ "$n" -gt 0 ]; do
		eval "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# has_open PID FILE: process PID has FILE open: a reader in place before
# what it is to read is made (a state to wait for, where a sleep was).
has_open() { find "/proc/$1/fd" -lname "$2" 2>/dev/null | grep -q .; }

# find_tool NAME: the path of one of Apache OpenWhisk's own clients (wsk,
# wskdeploy) for tests that hold us to them: $WSK / $WSKDEPLOY, then
# ../shared/tools/NAME beside the clone, then PATH. Fails (prints nothing)
# when none is present: the caller then uses test_skip, naming what is missing.
find_tool() {
	eval "_ft=\${$(echo "$1" | tr a-z A-Z):-}"
	for _c in "$_ft" "$TOP/../shared/tools/$1" "$(command -v "$1" 2>/dev/null)"; do
		[ -n "$_c" ] && [ -x "$_c" ] && { echo "$_c"; return 0; }
	done
	return 1
}

# is_mounted DIR: something is mounted on DIR, even a FUSE mount whose daemon
# is gone (where mountpoint(1), which stats DIR, gets ENOTCONN and says no).
is_mounted() { awk -v d="$1" '$2 == d { m = 1 } END { exit !m }' /proc/self/mounts; }

# fg_job CMD ARGS...: start CMD in the background as a terminal runs one in the
# foreground: in a process group of its own ($!; Ctrl-C there is
# `kill -INT -- -$!`), SIGINT and SIGQUIT not ignored (a plain & ignores them).
fg_job() {
	perl -e 'setpgrp(0, 0); $SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "$ARGV[0]: $!\n"' "$@" &
}

# test_cmp EXPECTED ACTUAL: compare two files, show the difference.
test_cmp() { diff -u "$1" "$2"; }

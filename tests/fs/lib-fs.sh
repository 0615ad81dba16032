# tests/fs/lib-fs.sh — start a real backend and a real faasfs mount for a test file.
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/fs/lib-fs.sh"
#   fs_start            # backend on a free port, mount at $FAAS; stopped at the end
#
# faasfs talks to the backend over its Unix socket ($SOCK, in the data
# directory) unless mount_start is told tcp.
#
# Everything lives in $SCRATCH; HOME points there too, so ~/.wskprops is not touched.

FAASFS_AUTH=5a1e7c3e-0d8b-4b51-9a43-35e2c9f0b0aa:fs-test-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ
export FAASFS_AUTH
export HOME="$SCRATCH"
FAAS="$SCRATCH/mnt"
SOCK="$SCRATCH/data/api.sock"
# FAASFS_BIN runs another build (a sanitizer one) of faasfs.
FAASFS=${FAASFS_BIN:-$FAASFS}
# Tests run in subshells, so the daemons' pids live in files.
fs_pid() { cat "$SCRATCH/fs.pid" 2>/dev/null; }
backend_pid() { cat "$SCRATCH/backend.pid" 2>/dev/null; }

# stop_pid PID SIGNAL: signal PID and wait (up to 10 s) until it is gone.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "-$2" "$1" 2>/dev/null
	wait_for "! kill -0 $1" 200
}

# backend_start: the backend on a free port with its data in $SCRATCH/data
# (and $BACKEND_ARGS).
# A port taken between free_port and the backend's bind is tried again
# with another, unless BPORT was set (a restart keeps its port).
backend_start() {
	local try pid fixed=${BPORT:-}
	for try in 1 2 3; do
		BPORT=${fixed:-$(free_port)}
		API="http://127.0.0.1:$BPORT/api/v1/namespaces/_"
		"$BACKEND" --listen "127.0.0.1:$BPORT" --data "$SCRATCH/data" ${BACKEND_ARGS:-} >>"$SCRATCH/backend.log" 2>&1 &
		pid=$!
		echo $pid >"$SCRATCH/backend.pid"
		wait_for "curl -sf -o /dev/null -u $FAASFS_AUTH $API/actions || ! kill -0 $pid" 400
		curl -sf -o /dev/null -u "$FAASFS_AUTH" "$API/actions" && return 0
		kill $pid 2>/dev/null
		say "backend did not start on port $BPORT (try $try)"
		tail -n 5 "$SCRATCH/backend.log" | sed "s/^/# /"
	done
	return 1
}

backend_stop() {
	stop_pid "$(backend_pid)" TERM
	rm -f "$SCRATCH/backend.pid"
}

# mount_start [down] [tcp]: faasfs on $FAAS in the background; waits until
# status says up (or, with down, until it is mounted). With tcp it is not
# given --socket, so it talks to the backend's port (unless FAASFS_SOCKET says otherwise).
mount_start() {
	local ready="grep -q 'up\$' '$FAAS/status'" via="--socket $SOCK" arg
	for arg in "$@"; do
		case $arg in
		down) ready="mountpoint -q '$FAAS'" ;;
		tcp) via="" ;;
		esac
	done
	mkdir -p "$FAAS"
	"$FAASFS" -f --backend "http://127.0.0.1:$BPORT" $via --auth "$FAASFS_AUTH" "$FAAS" \
		>>"$SCRATCH/fs.log" 2>&1 &
	echo $! >"$SCRATCH/fs.pid"
	wait_for "$ready" 400 ||
		{ say "faasfs did not mount"; tail -n 20 "$SCRATCH/fs.log"; return 1; }
}

mount_stop() {
	stop_pid "$(fs_pid)" TERM
	rm -f "$SCRATCH/fs.pid"
	is_mounted "$FAAS" && { fusermount3 -u -z "$FAAS" 2>/dev/null || umount -l "$FAAS"; }
	return 0
}

fs_start() {
	test_at_end 'backend_stop'
	test_at_end 'mount_stop'
	backend_start && mount_start
}

# rest METHOD PATH [BODY]: the REST API, as another client would use it.
rest() {
	if [ $# -ge 3 ]; then
		curl -s -u "$FAASFS_AUTH" -X "$1" -H 'Content-Type: application/json' -d "$3" "$API/$2"
	else
		curl -s -u "$FAASFS_AUTH" -X "$1" "$API/$2"
	fi
}

# py NAME BODY: write NAME.py whose main returns BODY (a python expression).
py() {
	printf 'def main(args):\n    return %s\n' "$2" >"$1.py"
}

# within SECONDS COMMAND: COMMAND succeeds within SECONDS (tried every 50 ms).
within() {
	wait_for "$2" $(($1 * 20))
}

now_ms() { date +%s%3N; }

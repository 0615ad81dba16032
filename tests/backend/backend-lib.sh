# tests/backend/backend-lib.sh — start a real faasfs-backend for the scheduler's tests; talk to it with curl.
#
#   . "$(dirname "$0")/backend-lib.sh"
#   start_backend [--idle 1 --queue 2 ...]
#   put_action NAME KIND FILE ['{"limits":{...}}']
#   invoke NAME ['{"param":1}'] > act.json    (blocking; the whole activation record)
. "$(dirname "$0")/../lib.sh"

# Whatever ends this file (test_done, a signal, prove going away so that a
# write gets SIGPIPE, a hangup) stops the backends it started: a backend
# left running keeps its containers too.
trap 'eval "$test_cleanups" >/dev/null 2>&1' EXIT
trap 'eval "$test_cleanups" >/dev/null 2>&1; trap - EXIT; exit 1' HUP PIPE

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() { test -e "/proc/$1" && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# stop_backend PID: SIGTERM, and SIGKILL if it is still there after 10 s
# (its containers die with it either way).
stop_backend() {
	kill "$1" 2>/dev/null || return 0
	n=200
	while [ "$n" -gt 0 ] && alive "$1"; do
		sleep 0.05
		n=$((n - 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

AUTH=23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP

# start_backend [ARGS]: a backend on a free port with its data in $SCRATCH/data.
start_backend() {
	PORT=$(free_port)
	export HOME="$SCRATCH" FAASFS_AUTH="$AUTH"
	"$BACKEND" --listen "127.0.0.1:$PORT" --data "$SCRATCH/data" --run-dir "$SCRATCH/run" "$@" \
		>>"$SCRATCH/backend.log" 2>&1 &
	BACKEND_PID=$!
	test_at_end "stop_backend $BACKEND_PID"
	API="http://127.0.0.1:$PORT/api/v1/namespaces/_"
	METRICS="http://127.0.0.1:$PORT/metrics"
	wait_for "curl -sf -u $AUTH $API/actions"
}

# put_action NAME KIND FILE [EXTRA]: create or update an action; EXTRA is
# merged into the body (e.g. '{"limits":{"timeout":1000}}').
put_action() {
	jq -n --arg kind "$2" --rawfile code "$3" --argjson extra "${4:-{\}}" \
		'{exec: {kind: $kind, code: $code}} * $extra' |
	curl -sf -u "$AUTH" -X PUT -H 'Content-Type: application/json' -d @- \
		"$API/actions/$1?overwrite=true" >/dev/null
}

# invoke NAME [PARAMS]: a blocking invoke; prints the activation record.
invoke() {
	curl -s -u "$AUTH" -X POST -H 'Content-Type: application/json' -d "${2:-{\}}" \
		"$API/actions/$1?blocking=true"
}

# reach_py: python for a probe function: reach(path) says "connected" if
# the function could connect to the Unix socket at path, or which error
# stat or connect gave it (the API's socket must be out of its reach).
reach_py() {
	cat <<'PY'
import os, socket

def reach(path):
    try:
        os.stat(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.close()
        return "connected"
    except OSError as e:
        return "error: " + e.strerror
PY
}

# field FILE JQ: one value of a JSON file, raw.
field() { jq -r "$2" "$1"; }

# startup FILE: cold, stemcell or warm, from an activation record.
startup() { jq -r '.annotations[] | select(.key == "startup") | .value' "$1"; }

# proxies: how many faasfs-proxy processes this backend has.
proxies() { pgrep -P "$BACKEND_PID" -c faasfs-proxy || true; }

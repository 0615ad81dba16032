#!/bin/sh
# Without root the sandbox is had with user namespaces: the function is not
# the backend's uid inside, is alone in its pid namespace, cannot see the
# data directory nor the API's socket, and its memory is held by RLIMIT_DATA.
. "$(dirname "$0")/backend-lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	test_skip 'the user-namespace sandbox' 'needs root to become nobody'
	test_done
fi
# Under AddressSanitizer (scripts/asan) the proxy cannot start here: memory
# is held by RLIMIT_DATA, which leaves too little for the shadow memory.
if [ -n "${FAASFS_ASAN:-}" ]; then
	test_skip 'the user-namespace sandbox' 'RLIMIT_DATA leaves AddressSanitizer too little for its shadow memory'
	test_done
fi

# the backend runs as nobody, with its data in $SCRATCH/nb. Its binaries are
# copied where nobody can reach them, as an installed system would have them:
# the checkout may sit in a folder only root can enter.
chmod 711 "$SCRATCH"
mkdir nb bin && chown 65534:65534 nb
cp "$BACKEND" "$TOP/proxy/faasfs-proxy" bin/ && cp -R "$TOP/proxy/launchers" bin/ &&
	mkdir bin/zygote && cp "$TOP/backend/zygote/faasfs-zygote.so" bin/zygote/
# The socket is in a folder of its own outside /tmp (which is hidden
# anyway): the function runs as the backend's uid in its namespace, so
# only the sandbox hiding that folder keeps it from connecting.
SOCKDIR=$(mktemp -d /var/cache/faasfs-t0900.XXXXXX) && chown 65534:65534 "$SOCKDIR" &&
	test_at_end "rm -rf $SOCKDIR"
PORT=$(free_port)
HOME="$SCRATCH/nb" FAASFS_AUTH="$AUTH" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SCRATCH/bin/faasfs-backend" --listen "127.0.0.1:$PORT" --data "$SCRATCH/nb/data" \
	--run-dir "$SCRATCH/nb/run" --proxy "$SCRATCH/bin/faasfs-proxy" --socket "$SOCKDIR/api.sock" \
	>>"$SCRATCH/backend.log" 2>&1 &
BACKEND_PID=$!
test_at_end "stop_backend $BACKEND_PID"
API="http://127.0.0.1:$PORT/api/v1/namespaces/_"
wait_for "curl -sf -u $AUTH $API/actions"

{ reach_py; cat <<'PY'; } >probe.py
def main(args):
    try:
        data = sorted(os.listdir(args["data"]))
    except OSError as e:
        data = "error: " + e.strerror
    return {"uid": os.getuid(), "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "data": data, "sock": reach(args["sock"])}
PY
cat >hog.py <<'PY'
def main(args):
    blocks = []
    while True:
        blocks.append(bytearray(16 << 20))
PY

test_expect_success 'the backend says which sandbox it has' '
	grep "userns+pidns+mntns+ipcns+rlimit-data" backend.log
'

test_expect_success 'the function runs in its own user and pid namespaces, without the data directory' '
	put_action probe python:3 probe.py &&
	invoke probe "{\"data\":\"$SCRATCH/nb/data\",\"sock\":\"$SOCKDIR/api.sock\"}" >probe.json &&
	jq .response.result probe.json &&
	test "$(field probe.json .response.result.uid)" = 1000 &&
	test "$(field probe.json ".response.result.procs[0]")" = 1 &&
	field probe.json .response.result.data | grep "error"
'

test_expect_success 'it cannot reach the API'"'"'s socket, which answers the backend'"'"'s own uid' '
	field probe.json .response.result.sock | grep "^error: No such file" &&
	test "$(stat -c %U:%a "$SOCKDIR/api.sock")" = nobody:600 &&
	curl -sf -u "$AUTH" --unix-socket "$SOCKDIR/api.sock" "$API/actions" | jq -e "length == 1"
'

test_expect_success 'a memory hog meets its limit' '
	put_action hog python:3 hog.py "{\"limits\":{\"memory\":128}}" &&
	invoke hog >hog.json &&
	test "$(field hog.json .response.statusCode)" != 0 &&
	kill -0 $BACKEND_PID
'

test_done

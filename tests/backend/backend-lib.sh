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

# needs_root WHAT: unless we are root, the whole file is one test skipped,
# saying that WHAT needs root.
needs_root() {
	[ "$(id -u)" = 0 ] && return 0
	test_skip "$1" 'needs root'
	test_done
}

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

# start_backend [ARGS]: a backend on a free port with its data in $SCRATCH/data
# (with $FAASFS_TEST_BACKEND_ARGS too, e.g. --no-zygote).
start_backend() { start_backend_at --data "$SCRATCH/data" --run-dir "$SCRATCH/run" "$@"; }

# start_backend_at ARGS: the same, with no data or run directory of ours.
start_backend_at() {
	PORT=$(free_port)
	export HOME="$SCRATCH" FAASFS_AUTH="$AUTH"
	# FAASFS_TEST_BACKEND_ARGS: more options, split on spaces
	"$BACKEND" --listen "127.0.0.1:$PORT" ${FAASFS_TEST_BACKEND_ARGS:-} "$@" >>"$SCRATCH/backend.log" 2>&1 &
	BACKEND_PID=$!
	test_at_end "stop_backend $BACKEND_PID"
	API="http://127.0.0.1:$PORT/api/v1/namespaces/_"
	METRICS="http://$AUTH@127.0.0.1:$PORT/metrics"   # --metrics key: the guest sees its own actions
	wait_for "curl -sf -u $AUTH $API/actions"
}

# in_backend PATH: PATH as the backend sees it. As root it mounts its
# containers' working directories (tmpfs) in a mount namespace of its own,
# so their files (proxy.sock) are reached through /proc/PID/root.
in_backend() {
	if [ -d "/proc/$BACKEND_PID/root" ] && [ "$(id -u)" = 0 ]; then
		echo "/proc/$BACKEND_PID/root$1"
	else
		echo "$1"
	fi
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

# attacker_py: python for a function that attacks proxies. Its args name
# "ports" on 127.0.0.1 and Unix "socks"; to each it posts /run (without a
# token, then with a wrong one), /init with its own code, and / with an empty
# token, and says what it got ("hit", keyed by port or path; status 0 and the
# error when it could not connect). It finds and attacks its own proxy too,
# from the proxy's command line ("ownsock" and "ownhit" when that is a
# socket), lists the folder that holds its own container's ("siblings"),
# lists the ports someone listens on at 127.0.0.1 ("scanned") and says
# whether it sees a token ("own").
attacker_py() {
	cat <<'PY'
import http.client, json, os, socket

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, sockpath):
        super().__init__("localhost", timeout=5)
        self.sockpath = sockpath

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.sockpath)

# The ports someone listens on at 127.0.0.1, from /proc/net/tcp (state 0A).
def listening():
    ports = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, port = local.split(":")
            if state == "0A" and addr in ("0100007F", "00000000"):
                ports.add(int(port, 16))
    return sorted(ports)

def post(target, path, body, headers):
    try:
        if isinstance(target, int):
            c = http.client.HTTPConnection("127.0.0.1", target, timeout=5)
        else:
            c = UnixConnection(target)
        c.request("POST", path, body=json.dumps(body), headers=headers)
        r = c.getresponse()
        return {"status": r.status, "body": r.read().decode("utf-8", "replace")}
    except Exception as e:
        return {"status": 0, "body": str(e)}

def attack(target):
    return [
        post(target, "/run", {"value": {}}, {}),
        post(target, "/run", {"value": {}}, {"Authorization": "Bearer " + "0" * 32}),
        post(target, "/init", {"value": {"code": "def main(a):\n    return {'owned': True}\n",
                                         "kind": "python:3"}}, {}),
        post(target, "/", {"value": {}}, {"Authorization": "Bearer "}),
    ]

# What this function can see of its own proxy's token.
def own_token():
    try:
        with open("/proc/%d/environ" % os.getppid(), "rb") as f:
            parent = f.read().decode("latin-1").replace("\0", "\n")
    except OSError as e:
        parent = "error: " + e.strerror
    return {"env": "FAASFS_PROXY_TOKEN" in os.environ, "parent": parent}

# The socket its own proxy listens on, from its command line; or None.
def own_sock():
    with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
        args = f.read().decode("latin-1").split("\0")
    return next((a[5:] for a in args if a.startswith("unix:")), None)

def siblings(sock):
    try:
        return sorted(os.listdir(os.path.dirname(os.path.dirname(sock))))
    except OSError as e:
        return "error: " + e.strerror

# Only this backend's proxies are attacked: other programs on the host
# listen too, and are none of this test's business.
def main(args):
    hit = {str(t): attack(t) for t in args.get("ports", []) + args.get("socks", [])}
    sock = own_sock()
    return {"scanned": listening(), "hit": hit, "own": own_token(), "ownsock": sock,
            "ownhit": attack(sock) if sock else [], "siblings": siblings(sock) if sock else []}
PY
}

# victim_and_attacker: the actions victim (with a bound secret S3CRET-a1b2)
# and attacker (attacker_py), each run once to have them warm.
victim_and_attacker() {
	printf 'def main(args):\n    return {"secret": args.get("secret"), "who": "victim"}\n' >victim.py &&
	attacker_py >attacker.py &&
	put_action victim python:3 victim.py "{\"parameters\":[{\"key\":\"secret\",\"value\":\"S3CRET-a1b2\"}]}" &&
	put_action attacker python:3 attacker.py &&
	invoke victim >v1.json &&
	test "$(field v1.json .response.result.secret)" = S3CRET-a1b2 &&
	invoke attacker >warmup.json &&
	test "$(field warmup.json .response.statusCode)" = 0
}

# proxy_listens: what this backend's proxies listen on (their --listen), a line each.
proxy_listens() {
	for pid in $(pgrep -P "$BACKEND_PID" faasfs-proxy); do
		tr '\0' '\n' </proc/$pid/cmdline | grep -A1 -x -- --listen | tail -n 1
	done
}

# field FILE JQ: one value of a JSON file, raw.
field() { jq -r "$2" "$1"; }

# startup FILE: cold, stemcell or warm, from an activation record.
startup() { jq -r '.annotations[] | select(.key == "startup") | .value' "$1"; }

# proxies: how many faasfs-proxy processes this backend has.
proxies() { pgrep -P "$BACKEND_PID" -c faasfs-proxy || true; }

# gated_py: a python action that makes trigger running-GATE (it runs), then
# waits until trigger GATE exists (args.gate names it) and returns {"done": GATE}.
gated_py() {
	cat <<'PY'
import time, faasfs
def main(args):
    c = faasfs.Client()
    c.request("PUT", "_/triggers/running-" + args["gate"], {})
    while True:
        try:
            c.request("GET", "_/triggers/" + args["gate"])
            return {"done": args["gate"]}
        except faasfs.Error as e:
            if e.status != 404:
                raise
            time.sleep(0.05)
PY
}

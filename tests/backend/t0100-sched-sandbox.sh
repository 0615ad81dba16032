#!/bin/sh
# The sandbox: a function runs under its own unprivileged uid, alone in its
# pid namespace, and cannot read the store, the backend's files or another
# function's code, nor reach the API's socket.
. "$(dirname "$0")/backend-lib.sh"

needs_root 'sandbox properties'
start_backend

cat >secret.py <<'PY'
# MARKER-7f3a9c the code of another function
def main(args):
    import os
    return {"uid": os.getuid()}
PY
{ reach_py; cat <<'PY'; } >probe.py
import os, subprocess

def readable(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False

def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as e:
        return "error: " + e.strerror

def main(args):
    grep = subprocess.run(["grep", "-rl", "MARKER-" + "7f3a9c", "/tmp", args["scratch"], "/run", "/var/tmp"],
                          capture_output=True, text=True)
    return {
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pid": os.getpid(),
        "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "store": readable(args["store"]), "scratch": listing(args["scratch"]),
        "tmp": listing("/tmp"), "backend_env": readable("/proc/%d/environ" % args["backend"]),
        "found": grep.stdout.split(), "cwd": os.getcwd(), "cwd_mode": oct(os.stat(".").st_mode & 0o777),
        "sock": reach(args["sock"]),
    }
PY

test_expect_success 'two actions, one kept warm' '
	put_action secret python:3 secret.py &&
	put_action probe python:3 probe.py &&
	invoke secret >secret.json &&
	test "$(field secret.json .response.statusCode)" = 0 &&
	jq -n --arg s "$SCRATCH" --argjson b $BACKEND_PID \
		"{scratch: \$s, store: (\$s + \"/data/faasfs.db\"), sock: (\$s + \"/data/api.sock\"), backend: \$b}" >args.json &&
	invoke probe "$(cat args.json)" >probe.json &&
	jq .response.result probe.json
'

test_expect_success 'the function is not root, and each container has its own uid' '
	uid=$(field probe.json .response.result.uid) &&
	test "$uid" -ge 61000 &&
	test "$(field probe.json .response.result.gid)" = "$uid" &&
	test "$(field probe.json ".response.result.groups | length")" = 0 &&
	test "$(field secret.json .response.result.uid)" -ge 61000 &&
	test "$(field secret.json .response.result.uid)" != "$uid"
'

test_expect_success 'it is alone in its pid namespace' '
	test "$(field probe.json ".response.result.procs[0]")" = 1 &&
	test "$(field probe.json ".response.result.procs | length")" -lt 6 &&
	test "$(field probe.json .response.result.backend_env)" = false
'

test_expect_success 'it cannot read the store or see the data directory' '
	test -f data/faasfs.db &&
	test "$(field probe.json .response.result.store)" = false &&
	! field probe.json ".response.result.scratch[]" | grep -v "^run$"
'

test_expect_success 'it can neither stat nor connect to the API'"'"'s socket' '
	test -S data/api.sock &&
	field probe.json .response.result.sock | grep "^error: No such file"
'

test_expect_success 'it cannot find another function'"'"'s code' '
	test "$(field probe.json ".response.result.found | length")" = 0 &&
	test "$(field probe.json ".response.result.tmp[]" | grep -c "^faasfs-proxy")" -le 1
'

test_expect_success 'its code is in its own working directory under the run directory' '
	case "$(field probe.json .response.result.cwd)" in
	"$SCRATCH"/run/c*) ;;
	*) false ;;
	esac &&
	test "$(stat -c %a "$(dirname "$(field probe.json .response.result.cwd)")")" = 700 &&
	test "$(stat -c %u "$(dirname "$(field probe.json .response.result.cwd)")")" = "$(field probe.json .response.result.uid)"
'

test_expect_success 'the proxy process runs under the container uid, in its cgroups' '
	pids=$(pgrep -P $BACKEND_PID faasfs-proxy) &&
	for p in $pids; do
		test "$(stat -c %u /proc/$p)" -ge 61000 &&
		grep -q "memory:.*/faasfs-$BACKEND_PID/c" /proc/$p/cgroup &&
		grep -q "pids:.*/faasfs-$BACKEND_PID/c" /proc/$p/cgroup || return 1
	done
'

test_done

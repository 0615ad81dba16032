#!/bin/sh
# What the sandbox leaves a function, tested from inside one: writable
# space on tmpfs charged to its memory (size and files bounded), a network
# namespace of its own (the API reachable at __OW_API_HOST, the network
# outbound, but no service on the host's loopback, no host socket in
# /proc/net), a minimal /dev, none of the host's mounts, a seccomp filter,
# and a CPU quota.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"

needs_root 'sandbox hardening'
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
start_backend

cat >disk.py <<'PY'
import os

def main(args):
    out = {}
    st = os.statvfs(".")
    out["size_mb"] = st.f_blocks * st.f_frsize // (1 << 20)
    out["inodes"] = st.f_files
    n = 0
    try:
        with open("big", "wb") as f:
            for _ in range(args.get("mb", 200)):
                f.write(b"x" * (1 << 20))
                f.flush()
                n += 1
    except OSError as e:
        out["err"] = e.strerror
    out["mb"] = n
    if os.path.exists("big"):
        os.remove("big")
    k = 0
    try:
        for i in range(20000):
            open("f%d" % i, "w").close()
            k += 1
    except OSError as e:
        out["ferr"] = e.strerror
    out["files"] = k
    for i in range(k):
        os.remove("f%d" % i)
    return out
PY

test_expect_success 'the working directory is a tmpfs as large as the memory limit, with at most 16384 files' '
	put_action disk python:3 disk.py "{\"limits\":{\"memory\":128}}" &&
	invoke disk "{\"mb\":8}" >act.json &&
	jq -e ".response.result | .size_mb == 128 and .mb == 8 and .files < 16384 and .ferr" act.json
'

test_expect_success 'a function cannot write past its memory limit, and nothing reaches the disk' '
	invoke disk "{\"mb\":300}" >act.json &&
	jq -e "(.response.result.mb // 0) < 128 or (.response.result.error | test(\"memory\"))" act.json &&
	test "$(du -smx "$SCRATCH/run" | cut -f1)" -lt 5
'

# A service on the host's loopback the function must not reach, and one
# on the host's own address it may (outbound).
$PY -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(600)' >lo.port &
test_at_end "kill $!"
HOSTIP=$(hostname -I 2>/dev/null | awk '{print $1}')
if [ -n "$HOSTIP" ]; then
	$PY -c '
import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(600)' "$HOSTIP" >out.port &
	test_at_end "kill $!"
fi
wait_for "test -s lo.port" && { [ -z "$HOSTIP" ] || wait_for "test -s out.port"; }

cat >net.py <<'PY'
import os, socket, urllib.request

def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=5).close()
        return "connected"
    except OSError as e:
        return "error: " + (e.strerror or str(e))

def listening():
    with open("/proc/net/tcp") as f:
        return sorted({int(l.split()[1].split(":")[1], 16) for l in f.readlines()[1:] if l.split()[3] == "0A"})

def main(args):
    with open("/proc/net/unix") as f:
        unix = f.read()
    api = urllib.request.urlopen(os.environ["__OW_API_HOST"] + "/api/v1", timeout=5).status
    out = {"api": api, "listening": listening(), "unix_hostsock": args["sock"] in unix,
           "lo": connect("127.0.0.1", args["lo"]), "gw": connect("10.0.2.2", args["lo"])}
    if args.get("host"):
        out["out"] = connect(args["host"], args["out"])
    return out
PY

test_expect_success 'its own network: the API at __OW_API_HOST, no host socket, no host loopback service' '
	put_action net python:3 net.py &&
	invoke net "{\"lo\":$(cat lo.port),\"sock\":\"$SCRATCH/data/api.sock\"}" >act.json &&
	jq -e ".response.result | .api == 200 and .listening == [$PORT] and .unix_hostsock == false" act.json &&
	jq -e ".response.result | (.lo | test(\"refused\")) and (.gw | startswith(\"error\"))" act.json
'

if [ -n "$HOSTIP" ] && command -v slirp4netns >/dev/null; then
	test_expect_success 'outbound: a service on the host'"'"'s own address is reached' '
		invoke net "{\"lo\":$(cat lo.port),\"sock\":\"x\",\"host\":\"$HOSTIP\",\"out\":$(cat out.port)}" >act.json &&
		jq -e ".response.result.out == \"connected\"" act.json
	'
else
	test_skip 'outbound: a service on the host'"'"'s own address is reached' 'no slirp4netns or no address'
fi

cat >inside.py <<'PY'
import ctypes, os

libc = ctypes.CDLL(None, use_errno=True)

def call(f, *a):
    r = f(*a)
    return 0 if r == 0 else ctypes.get_errno()

def main(args):
    with open("/proc/self/mounts") as f:
        mounts = [l.split() for l in f]
    with open("/proc/self/status") as f:
        seccomp = [l.split()[1] for l in f if l.startswith("Seccomp:")][0]
    return {
        "dev": sorted(os.listdir("/dev")),
        "types": sorted({m[2] for m in mounts}),
        "points": [m[1] for m in mounts],
        "seccomp": seccomp,
        "unshare": call(libc.unshare, 0x10000000),          # CLONE_NEWUSER
        "keyctl": call(libc.syscall, 250, 0, 0, 0, 0, 0),   # keyctl(KEYCTL_GET_KEYRING_ID)
        "ptrace": call(libc.ptrace, 0, 0, 0, 0),            # PTRACE_TRACEME
        "bpf": call(libc.syscall, 321, 0, 0, 0),
        "mount": call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None),
        "getpid": os.getpid(),
    }
PY

test_expect_success 'a minimal /dev' '
	put_action inside python:3 inside.py &&
	invoke inside >act.json &&
	jq -e ".response.result.dev == [\"fd\",\"full\",\"null\",\"random\",\"shm\",\"stderr\",\"stdin\",\"stdout\",\"tty\",\"urandom\",\"zero\"]" act.json
'

test_expect_success 'none of the host'"'"'s mounts: no FUSE, no cgroups, no sysfs, nothing of the data directory' '
	jq -e ".response.result.types - [\"ext4\",\"xfs\",\"btrfs\",\"overlay\",\"proc\",\"tmpfs\",\"devtmpfs\",\"9p\",\"virtiofs\"] == []" act.json &&
	jq -e "[.response.result.points[] | select(startswith(\"/sys\") or (test(\"/mnt$\") and . != \"/mnt\"))] == []" act.json &&
	! jq -r ".response.result.points[]" act.json | grep -q "^$SCRATCH/data$"
'

test_expect_success 'seccomp: new namespaces, keyrings, ptrace, bpf and mount are refused with EPERM' '
	jq -e ".response.result | .seccomp == \"2\" and .unshare == 1 and .keyctl == 1 and .ptrace == 1 and .bpf == 1 and .mount == 1" act.json
'

cat >spin.py <<'PY'
import time

def main(args):
    t0, c0 = time.monotonic(), time.process_time()
    while time.monotonic() - t0 < 2:
        pass
    return {"cpu": time.process_time() - c0}
PY

test_expect_success 'a CPU quota of half a core by default: its cgroup says so, and an endless loop gets no more' '
	put_action spin python:3 spin.py &&
	invoke spin >act.json &&
	jq -e ".response.result.cpu > 0.1 and .response.result.cpu < 1.4" act.json &&
	found=0 &&
	for q in /sys/fs/cgroup/cpu/faasfs-$BACKEND_PID/c*/cpu.cfs_quota_us /sys/fs/cgroup/cpu/*/faasfs-$BACKEND_PID/c*/cpu.cfs_quota_us \
		/sys/fs/cgroup/faasfs-$BACKEND_PID/c*/cpu.max /sys/fs/cgroup/*/faasfs-$BACKEND_PID/c*/cpu.max; do
		[ -f "$q" ] || continue
		found=1
		grep -Eq "^50000( 100000)?$" "$q" || { echo "$q: $(cat "$q")"; return 1; }
	done &&
	test $found = 1
'

test_done

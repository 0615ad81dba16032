#!/bin/sh
# Python's zygote: a python container's launcher is forked from an
# interpreter started once, and the sandbox it lands in is exactly the one a
# launcher started by its proxy has: the same uid and groups, capabilities,
# no_new_privs, seccomp, rlimits, cgroups, namespaces (those of its proxy),
# mounts (hidden folders, /dev, its tmpfs working directory), environment
# and open files; no copy of its proxy's token is left in its memory. So
# is one started in a shell, the sandbox and launcher made ahead. The
# same probe runs in a backend with and without the zygote, and what each
# sees must be the same but for the container's own names. Then
# t0100-sched-sandbox runs with --no-zygote, so the path without the zygote
# stays tested now that python containers take the other (node's take it).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"
. "$HERE/sandbox-lib.sh"

needs_root 'the zygote sandbox'
if [ ! -f "$TOP/backend/zygote/faasfs-zygote.so" ]; then
	test_skip 'the zygote sandbox' 'backend/zygote/faasfs-zygote.so is not built'
	test_done
fi

cat >probe.py <<'PY'
import os, re, resource, socket

def status():
    keep = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
            "Seccomp_filters", "NSpid", "NSpgid", "NSsid")
    with open("/proc/self/status") as f:
        return {k: " ".join(v.split()) for k, _, v in (l.partition(":") for l in f) if k in keep}

def mounts():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            a = line.split()
            sep = a.index("-")
            out.append([a[4], a[5], a[sep + 1], re.sub(r"size=\d+k", "size=N", a[sep + 3])])
    return out

# Copies of a proxy token in this process's memory (/proc/self/mem works
# only if the process is dumpable, as one started by an exec is).
def tokens():
    pat, found = re.compile(rb"FAASFS_PROXY_TOKEN=[0-9a-f]{32}"), 0
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            a = line.split()
            lo, hi = (int(x, 16) for x in a[0].split("-"))
            try:
                mem.seek(lo)
                found += len(pat.findall(mem.read(hi - lo))) if "r" in a[1] else 0
            except (OSError, OverflowError, ValueError):
                pass
    return found

def main(args):
    import __main__
    st = os.statvfs(".")
    with open("/proc/self/cgroup") as f:
        cg = sorted(l.strip() for l in f)
    return {
        "born": os.path.basename(getattr(__main__, "__file__", "")),
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "pid": os.getpid(), "ppid": os.getppid(), "pgid": os.getpgid(0), "sid": os.getsid(0),
        "status": status(), "cgroup": cg, "mounts": mounts(),
        "limits": {n: resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")},
        "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "fds": sorted(os.listdir("/proc/self/fd")), "env": sorted(os.environ), "cwd": os.getcwd(),
        "work_mb": st.f_blocks * st.f_frsize >> 20, "hostname": socket.gethostname(), "umask": os.umask(0o22),
        "tokens": tokens(),
    }
PY

# born BORN FILE: the probe's launcher was born of BORN (zygote.py or launcher.py).
born() { test "$(field "$2" .response.result.born)" = "$1"; }

# probe_born BORN: new actions until one's launcher was born of BORN; its
# record in probe-BORN.json.
probe_born() { probe_until p python:3 probe.py "probe-$1.json" born "$1" "probe-$1.json"; }

start_backend
test_expect_success 'a new python container is forked from the zygote' '
	pgrep -P $BACKEND_PID -f zygote.py >zygote.pid &&
	probe_born zygote.py &&
	test "$(field probe-zygote.py.json .response.statusCode)" = 0
'

test_expect_success 'its launcher shares its proxy'"'"'s namespaces, cgroups and uid, none of the backend'"'"'s' '
	n=0 &&
	for proxy in $(pgrep -P $BACKEND_PID faasfs-proxy); do
		for l in $(pgrep -P $proxy); do
			same_ns $l $proxy &&
			! test "$(readlink /proc/$l/ns/mnt)" = "$(readlink /proc/$BACKEND_PID/ns/mnt)" &&
			! test "$(readlink /proc/$l/ns/net)" = "$(readlink /proc/$BACKEND_PID/ns/net)" &&
			test "$(cat /proc/$l/cgroup)" = "$(cat /proc/$proxy/cgroup)" &&
			test "$(stat -c %u /proc/$l)" = "$(stat -c %u /proc/$proxy)" &&
			test "$(stat -c %u /proc/$l)" -ge 61000 || return 1
			n=$((n + 1))
		done
	done &&
	test $n -ge 1
'

test_expect_success 'no copy of the proxy'"'"'s token is left in its memory' '
	test "$(field probe-zygote.py.json .response.result.tokens)" = 0
'

test_expect_success 'a shell waits ahead: a sandbox with its launcher, from the zygote, with no proxy yet' '
	wait_for "shells python3 >shell.pid && test -s shell.pid" &&
	shell_sandboxed $(head -n 1 shell.pid)
'

# cpu_weight PID: the CPU weight of its cgroup (cpu.shares on v1,
# cpu.weight on v2).
cpu_weight() {
	v1=$(sed -n "s/^[0-9]*:\([a-z,]*,\)\{0,1\}cpu\(,[a-z,]*\)\{0,1\}://p" /proc/$1/cgroup)
	if test -n "$v1"; then
		cat "/sys/fs/cgroup/cpu$v1/cpu.shares"
	else
		cat "/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/$1/cgroup)/cpu.weight"
	fi
}

test_expect_success 'a shell in the stock has a container'"'"'s CPU weight (the least starved node'"'"'s making)' '
	w=$(cpu_weight $(head -n 1 shell.pid)) &&
	echo "shell weight $w" &&
	{ test "$w" = 1024 || test "$w" = 100; }
'

# nices: for each slirp4netns of the backend, "0 container" when its
# namespace is a proxy's, else "NICE ahead" (a network in the stock, a
# shell's).
nices() {
	for s in $(pgrep -P $BACKEND_PID slirp4netns); do
		ns=$(readlink /proc/$s/fd/3) || continue
		ni=$(ps -o ni= -p $s | tr -d " ")
		what=ahead
		for p in $(pgrep -P $BACKEND_PID faasfs-proxy); do
			test "$(readlink /proc/$p/ns/net)" = "$ns" && what=container
		done
		echo "$ni $what"
	done
}

test_expect_success 'slirp4netns of a network made ahead runs at nice 19, a container'"'"'s at 0' '
	if ! command -v slirp4netns >/dev/null; then
		echo "no slirp4netns: nothing to check" && return 0
	fi &&
	wait_for "nices >nices.txt && grep -q ahead nices.txt && grep -q container nices.txt" &&
	cat nices.txt &&
	! grep -v -e "^19 ahead" -e "^0 container" nices.txt
'

test_expect_success 'a container started in the shell: its proxy is the shell'"'"'s first process, its launcher the shell'"'"'s' '
	shell=$(head -n 1 shell.pid) &&
	probe_until s python:3 probe.py probe-shell.json in_cgroup probe-shell.json "$(grep -o "memory:.*" /proc/$shell/cgroup)" &&
	test "$(field probe-shell.json .response.statusCode)" = 0 &&
	test "$(field probe-shell.json .response.result.born)" = zygote.py &&
	test "$(cat /proc/$(head -n 1 shell.pid)/comm)" = faasfs-proxy &&
	test "$(field probe-shell.json .response.result.tokens)" = 0
'

test_expect_success 'taken, its cgroup has a container'"'"'s CPU weight (in proportion to its 256 MB)' '
	w=$(cpu_weight $(head -n 1 shell.pid)) &&
	echo "weight $w" &&
	{ test "$w" = 1024 || test "$w" = 100; }
'

stop_backend $BACKEND_PID
start_backend --no-zygote
test_expect_success 'without the zygote, the same probe sees the same sandbox' '
	! pgrep -P $BACKEND_PID -f zygote.py &&
	probe_born launcher.py &&
	normal probe-zygote.py.json >zygote.txt &&
	normal probe-launcher.py.json >launcher.txt &&
	test_cmp launcher.txt zygote.txt &&
	normal probe-shell.json >shell.txt &&
	test_cmp launcher.txt shell.txt
'

stop_backend $BACKEND_PID
start_backend
test_expect_success 'a zygote that dies is started again, and containers start meanwhile' '
	probe_born zygote.py &&
	kill -9 $(pgrep -P $BACKEND_PID -f zygote.py) &&
	put_action after python:3 probe.py &&
	invoke after >after.json &&
	test "$(field after.json .response.statusCode)" = 0 &&
	probe_born zygote.py
'

test_expect_success 't0100-sched-sandbox passes without the zygote too' '
	FAASFS_TEST_BACKEND_ARGS=--no-zygote "$HERE/t0100-sched-sandbox.sh" >t0100.out 2>&1 ||
	{ cat t0100.out; false; }
'

test_done

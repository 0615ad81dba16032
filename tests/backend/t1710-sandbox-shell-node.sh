#!/bin/sh
# Node's shells: node has no zygote (it cannot fork), so the backend keeps
# a shell for it, a sandbox made ahead whose first process has started
# node's launcher and waits for its proxy. A node container started in a
# shell must be in exactly the sandbox one started anew is in: the same
# uid and groups, capabilities, no_new_privs, seccomp, rlimits, cgroups,
# namespaces (its proxy's), mounts, environment and open files. The same
# probe runs in a backend with shells and in one without (--no-zygote),
# and what each sees must be the same but for the container's own names.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"

if [ "$(id -u)" != 0 ]; then
	test_skip 'node shells' 'needs root'
	test_done
fi
if [ ! -x /usr/bin/node ]; then
	test_skip 'node shells' 'no /usr/bin/node'
	test_done
fi

cat >probe.js <<'JS'
const fs = require('fs'), os = require('os');
function status() {
	const keep = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp',
		'Seccomp_filters', 'NSpid', 'NSpgid', 'NSsid'];
	const out = {};
	for (const l of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
		const i = l.indexOf(':');
		if (keep.includes(l.slice(0, i))) out[l.slice(0, i)] = l.slice(i + 1).trim().split(/\s+/).join(' ');
	}
	return out;
}
function mounts() {
	return fs.readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map(l => {
		const a = l.split(' '), sep = a.indexOf('-');
		return [a[4], a[5], a[sep + 1], a[sep + 3].replace(/size=\d+k/, 'size=N')];
	});
}
function main() {
	const st = fs.statfsSync('.');
	return {
		uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
		pid: process.pid, ppid: process.ppid,
		status: status(), mounts: mounts(),
		cgroup: fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').sort(),
		limits: fs.readFileSync('/proc/self/limits', 'utf8'),
		procs: fs.readdirSync('/proc').filter(p => /^\d+$/.test(p)).map(Number).sort((x, y) => x - y),
		fds: fs.readdirSync('/proc/self/fd').sort(),
		env: Object.keys(process.env).filter(k => !k.startsWith('__OW_')).sort(),
		cwd: process.cwd(), work_mb: Math.round(st.blocks * st.bsize / 1048576),
		hostname: os.hostname(), umask: process.umask(),
		token: Object.keys(process.env).some(k => k.includes('TOKEN')),
		argv: process.argv.slice(1).map(a => a.replace(/.*\//, '')),
	};
}
JS

# probe_until N [CGROUP]: new actions, each run once, until one ran in a
# node stem cell (its launcher started before its code: no arguments; the
# first node action takes a python one, whose proxy starts node anew), in
# the container with that memory cgroup (the one a shell had); its
# record in probe-N.json.
probe_until() {
	i=0
	while [ $i -lt 10 ]; do
		i=$((i + 1))
		put_action "$1$i" nodejs:default probe.js &&
		invoke "$1$i" >"probe-$1.json" || return 1
		test "$(jq -c .response.result.argv "probe-$1.json")" = '["launcher.js"]' || continue
		test -z "${2:-}" && return 0
		jq -r ".response.result.cgroup[]" "probe-$1.json" | grep -qx "[0-9]*:$2" && return 0
	done
	return 1
}

# normal FILE: the probe's result with the container's own names made the same.
normal() {
	uid=$(field "$1" .response.result.uid)
	jq -S '.response.result' "$1" |
		sed -e "s/\\b$uid\\b/UID/g" -e 's|faasfs-[0-9]*/c[0-9]*|faasfs-B/cN|g' -e 's|/c[0-9]*-[0-9]*|/cW|g'
}

# node_shells: the backend's children named faasfs-shell (a shell's first
# process, waiting for its proxy) with node's launcher started.
node_shells() {
	for p in $(pgrep -P $BACKEND_PID faasfs-shell); do
		test "$(cat /proc/$(pgrep -P $p | head -n 1)/comm 2>/dev/null)" = node && echo $p
	done
	return 0
}

start_backend
test_expect_success 'after a node container, a node shell waits: a sandbox with node started, no proxy yet' '
	probe_until first &&
	test "$(field probe-first.json .response.statusCode)" = 0 &&
	wait_for "node_shells >shell.pid && test -s shell.pid" &&
	shell=$(head -n 1 shell.pid) &&
	l=$(pgrep -P $shell) &&
	test "$(stat -c %u /proc/$shell)" -ge 61000 &&
	for ns in pid mnt net ipc uts; do
		test "$(readlink /proc/$l/ns/$ns)" = "$(readlink /proc/$shell/ns/$ns)" || return 1
	done &&
	! test "$(readlink /proc/$shell/ns/pid)" = "$(readlink /proc/$BACKEND_PID/ns/pid)" &&
	! test "$(readlink /proc/$shell/ns/net)" = "$(readlink /proc/$BACKEND_PID/ns/net)" &&
	test "$(cat /proc/$l/cgroup)" = "$(cat /proc/$shell/cgroup)" &&
	test "$(stat -c %u /proc/$l)" = "$(stat -c %u /proc/$shell)" &&
	! tr "\0" "\n" </proc/$l/environ | grep -q TOKEN
'

test_expect_success 'a node container started in the shell: its proxy is the shell'"'"'s first process' '
	shell=$(head -n 1 shell.pid) &&
	probe_until shell "$(grep -o "memory:.*" /proc/$shell/cgroup)" &&
	test "$(field probe-shell.json .response.statusCode)" = 0 &&
	test "$(cat /proc/$shell/comm)" = faasfs-proxy &&
	test "$(field probe-shell.json .response.result.token)" = false
'

stop_backend $BACKEND_PID
start_backend --no-zygote
test_expect_success 'without shells, the same probe sees the same sandbox' '
	probe_until plain &&
	test -z "$(node_shells)" &&
	normal probe-plain.json >plain.txt &&
	normal probe-shell.json >shell.txt &&
	test_cmp plain.txt shell.txt
'

test_done

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
. "$HERE/sandbox-lib.sh"

needs_root 'node shells'
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

# stem FILE [CGROUP]: the probe ran in a node stem cell (its launcher
# started before its code: no arguments; the first node action takes a
# python one, whose proxy starts node anew), in the container with that
# memory cgroup if one is given (the one a shell had).
stem() {
	test "$(jq -c .response.result.argv "$1")" = '["launcher.js"]' || return 1
	test -z "${2:-}" || in_cgroup "$1" "$2"
}

# probe_stem N [CGROUP]: new actions until one ran in a stem cell (in that
# cgroup); its record in probe-N.json.
probe_stem() { probe_until "$1" nodejs:default probe.js "probe-$1.json" stem "probe-$1.json" "${2:-}"; }

start_backend
test_expect_success 'after a node container, a node shell waits: a sandbox with node started, no proxy yet' '
	probe_stem first &&
	test "$(field probe-first.json .response.statusCode)" = 0 &&
	wait_for "shells node >shell.pid && test -s shell.pid" &&
	shell_sandboxed $(head -n 1 shell.pid)
'

# The shell's launcher was asked to warm (FAASFS_WARM=1 in the environment
# it started with) and left nothing of it: no file in its folder, and no
# FAASFS_WARM in process.env (the probe's env below equals a plain one's).
test_expect_success 'the node shell warms its launcher and leaves nothing behind' '
	l=$(pgrep -P $(head -n 1 shell.pid)) &&
	tr "\0" "\n" </proc/$l/environ | grep -qx FAASFS_WARM=1 &&
	wait_for "! ls -A /proc/$l/cwd/ | grep -q faasfs-warm"
'

test_expect_success 'a node container started in the shell: its proxy is the shell'"'"'s first process' '
	shell=$(head -n 1 shell.pid) &&
	probe_stem shell "$(grep -o "memory:.*" /proc/$shell/cgroup)" &&
	test "$(field probe-shell.json .response.statusCode)" = 0 &&
	test "$(cat /proc/$shell/comm)" = faasfs-proxy &&
	test "$(field probe-shell.json .response.result.token)" = false
'

stop_backend $BACKEND_PID
start_backend --no-zygote
test_expect_success 'without shells, the same probe sees the same sandbox' '
	probe_stem plain &&
	test -z "$(shells node)" &&
	normal probe-plain.json >plain.txt &&
	normal probe-shell.json >shell.txt &&
	test_cmp plain.txt shell.txt
'

test_done

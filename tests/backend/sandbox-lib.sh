# tests/backend/sandbox-lib.sh — what t1700 (python's zygote and shells) and t1710 (node's shells) check alike: a probe
# run until it lands where wanted, a shell's sandbox, a probe's record with the container's own names made the same.
#
#   . "$HERE/backend-lib.sh"; . "$HERE/sandbox-lib.sh"

# probe_until PREFIX KIND FILE OUT CHECK...: new actions PREFIX1, PREFIX2, ...
# of KIND running FILE, each invoked once with its record in OUT, until the
# command CHECK... succeeds (at most 20).
probe_until() {
	pu_prefix=$1 pu_kind=$2 pu_file=$3 pu_out=$4
	shift 4
	i=0
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		put_action "$pu_prefix$i" "$pu_kind" "$pu_file" &&
		invoke "$pu_prefix$i" >"$pu_out" || return 1
		"$@" && return 0
	done
	return 1
}

# in_cgroup FILE CGROUP: the probe whose record is FILE ran in the
# container with that memory cgroup (memory:PATH).
in_cgroup() { jq -r ".response.result.cgroup[]" "$1" | grep -qx "[0-9]*:$2"; }

# same_ns PID PID2: the two processes share every namespace.
same_ns() {
	for ns in pid mnt net ipc uts user cgroup; do
		test "$(readlink /proc/$1/ns/$ns)" = "$(readlink /proc/$2/ns/$ns)" || return 1
	done
}

# shells COMM: the backend's children named faasfs-shell (a shell's first
# process, in its sandbox, waiting for its proxy) whose launcher is COMM
# (python3, node); one made after the last start may still be on its way.
shells() {
	for p in $(pgrep -P $BACKEND_PID faasfs-shell); do
		test "$(cat /proc/$(pgrep -P $p | head -n 1)/comm 2>/dev/null)" = "$1" && echo $p
	done
	return 0
}

# shell_sandboxed SHELL: the shell waiting ahead is a sandbox (a container's
# uid and cgroup, namespaces apart from the backend's) and its launcher is
# in it, with no proxy token in its environment.
shell_sandboxed() {
	l=$(pgrep -P $1) &&
	test "$(stat -c %u /proc/$1)" -ge 61000 &&
	same_ns $l $1 &&
	! test "$(readlink /proc/$1/ns/pid)" = "$(readlink /proc/$BACKEND_PID/ns/pid)" &&
	! test "$(readlink /proc/$1/ns/net)" = "$(readlink /proc/$BACKEND_PID/ns/net)" &&
	test "$(cat /proc/$l/cgroup)" = "$(cat /proc/$1/cgroup)" &&
	test "$(stat -c %u /proc/$l)" = "$(stat -c %u /proc/$1)" &&
	grep -q "faasfs-[0-9]*/c[0-9]*" /proc/$1/cgroup &&
	! tr "\0" "\n" </proc/$l/environ | grep -q TOKEN
}

# normal FILE: the probe's result with the container's own names (its
# uid, its cgroups and working directory) made the same for every container.
normal() {
	uid=$(field "$1" .response.result.uid)
	jq -S '.response.result | del(.born)' "$1" |
		sed -e "s/\\b$uid\\b/UID/g" -e 's|faasfs-[0-9]*/c[0-9]*|faasfs-B/cN|g' -e 's|/c[0-9]*-[0-9]*|/cW|g'
}

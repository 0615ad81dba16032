#!/bin/sh
# Bursts of new actions and the host's caps: an action made (not yet run)
# has a stem cell of its kind kept ready for its first run, up to a
# quarter of the containers and three quarters of the memory, so a fan-out to many new actions takes stem
# cells instead of starting each container cold; they go once no new
# action has come for --idle. FAASFS_STEMCELLS_NEW=0 keeps none. The
# default caps come from the host: containers by its memory (32 MB each)
# and the descriptors the backend may open (its soft limit raised to the
# hard one), memory limits up to twice its memory.
. "$(dirname "$0")/backend-lib.sh"

export FAASFS_STEMCELL_KINDS="" # no stem cell until an action asks for one
start_backend --idle 3

cat >hi.py <<'PY'
def main(args):
    return {"hi": 1}
PY

gauge() { curl -s "$METRICS" | sed -n "s/^$1 //p"; }
stems() { gauge 'faasfs_containers{state="stemcell"}'; }

test_expect_success 'the caps: containers by memory and descriptors, memory limits twice the host' '
	mem=$(awk "/^MemTotal:/ { print int(\$2 / 1024) }" /proc/meminfo) &&
	hard=$(awk "/^Max open files/ { print \$5 }" /proc/$BACKEND_PID/limits) &&
	soft=$(awk "/^Max open files/ { print \$4 }" /proc/$BACKEND_PID/limits) &&
	test "$soft" = "$hard" &&
	want=$(( mem / 32 )) &&
	fds=$(( (soft - 1024) / 16 )) &&
	if [ "$fds" -lt "$want" ]; then want=$fds; fi &&
	if [ "$want" -gt 4096 ]; then want=4096; fi &&
	if [ "$want" -lt 64 ]; then want=64; fi &&
	test "$(gauge faasfs_containers_max)" = "$want" &&
	test "$(gauge faasfs_container_memory_max_mb)" = "$(( mem * 2 ))" &&
	grep "sched: at most $want containers, $(( mem * 2 )) MB of memory limits" "$SCRATCH/backend.log"
'

test_expect_success 'five new actions: five stem cells more than --stemcells (1) before any runs' '
	for i in 1 2 3 4 5; do put_action "n$i" python:3 hi.py || return 1; done &&
	wait_for "test \"\$(stems)\" = 6" &&
	test "$(gauge faasfs_containers_starting)" = 0
'

test_expect_success 'each first run takes one; none is started again for them' '
	for i in 1 2 3 4 5; do
		invoke "n$i" >"r$i.json" &&
		test "$(startup "r$i.json")" = stemcell || return 1
	done &&
	wait_for "test \"\$(gauge faasfs_containers_starting)\" = 0" &&
	test "$(stems)" = 1
'

test_expect_success 'stem cells for new actions not run go after --idle' '
	put_action n6 python:3 hi.py && put_action n7 python:3 hi.py &&
	wait_for "test \"\$(stems)\" = 3" &&
	wait_for "test \"\$(stems)\" = 1"
'

test_expect_success 'an update is not a new action: no stem cell more for it' '
	put_action n1 python:3 hi.py && put_action n1 python:3 hi.py &&
	sleep 1 &&
	test "$(gauge faasfs_containers_starting)" = 0 &&
	test "$(stems)" = 1
'

stop_backend "$BACKEND_PID"
export FAASFS_STEMCELLS_NEW=0
start_backend_at --data "$SCRATCH/data2" --run-dir "$SCRATCH/run2"

test_expect_success 'FAASFS_STEMCELLS_NEW=0: a new action starts cold' '
	put_action m python:3 hi.py &&
	invoke m >m.json &&
	test "$(startup m.json)" = cold
'

test_done

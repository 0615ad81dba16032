#!/bin/sh
# Pools of differing compute: each container gets its pool's CPU quota,
# measured by the kernel's accounting of a function that burns 50 ms of
# CPU: on a pool with a quota under it (0.1 core: 10 ms per 100 ms period)
# the cgroup was throttled; on a pool of 2 cores it never was (the host has
# no more to give it in a period). An action asks for a pool by name
# (annotation "pool") or by the CPU it needs (annotation "cpu").
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"

if [ "$(id -u)" != 0 ] || ! grep -qE "^[0-9]+:(cpu,|cpu:|:)" /proc/self/cgroup; then
	test_skip 'compute pools' 'needs root and a cpu cgroup'
	test_done
fi
start_backend --cpu-limit 0.1 --pool big:cpu=2 --pool tiny:cpu=0.05

cat >spin.py <<'PY'
import time
def main(args):
    t = time.process_time() + 0.05
    while time.process_time() < t:
        pass
    return {"cgroup": open("/proc/self/cgroup").read()}
PY

# cg ACT FILE: a file of the cpu cgroup (v1, or v2's one) the activation ran in
cg() {
	field "$1" .response.result.cgroup | awk -F: -v f="$2" '
		$2 ~ /(^|,)cpu(,|$)/ { print "/sys/fs/cgroup/cpu" $3 "/" f; exit }
		$1 == "0" && $2 == "" { v2 = "/sys/fs/cgroup" $3 "/" f }
		END { if (v2) print v2 }' | head -1 | xargs cat
}
# quota ACT: its CPU quota per 100 ms period, in µs (-1 or max: none)
quota() { cg "$1" cpu.cfs_quota_us 2>/dev/null || cg "$1" cpu.max | cut -d" " -f1; }
stat() { cg "$1" cpu.stat | awk -v k="$2" '$1 == k { print $2 }'; }

test_expect_success 'the default pool: --cpu-limit 0.1, throttled' '
	put_action d python:3 spin.py &&
	invoke d >d.json && test "$(field d.json .response.statusCode)" = 0 &&
	test "$(quota d.json)" = 10000 &&
	test "$(stat d.json nr_throttled)" -gt 0
'

test_expect_success 'asked by CPU: 1 core is the big pool, 2 cores a period, never throttled' '
	put_action b python:3 spin.py "{\"annotations\":[{\"key\":\"cpu\",\"value\":1}]}" &&
	invoke b >b.json && test "$(field b.json .response.statusCode)" = 0 &&
	test "$(quota b.json)" = 200000 &&
	test "$(stat b.json nr_periods)" -gt 0 &&
	test "$(stat b.json nr_throttled)" = 0
'

test_expect_success 'asked by name: the tiny pool, 5 ms a period, throttled' '
	put_action t python:3 spin.py "{\"annotations\":[{\"key\":\"pool\",\"value\":\"tiny\"}]}" &&
	invoke t >t.json && test "$(field t.json .response.statusCode)" = 0 &&
	test "$(quota t.json)" = 5000 &&
	test "$(stat t.json nr_throttled)" -gt 0
'

test_expect_success 'more CPU than any pool gives: the activation says so' '
	put_action h python:3 spin.py "{\"annotations\":[{\"key\":\"cpu\",\"value\":4}]}" &&
	invoke h >h.json && test "$(field h.json .response.statusCode)" = 2 &&
	field h.json .response.result.error | grep "No pool gives a container 4 cores"
'

test_done

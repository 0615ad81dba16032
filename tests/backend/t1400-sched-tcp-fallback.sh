#!/bin/sh
# With a data directory so long that a container's DATA/run/cPID-N/proxy.sock
# does not fit a socket address (107 bytes), the proxies listen on
# 127.0.0.1:PORT as before sockets, in this backend's block of ports, and
# everything works the same: cold, stem cell and warm runs. Every local
# process can reach those ports, so there a function that finds another
# container's proxy gets 401 from it, as from its own.
. "$(dirname "$0")/backend-lib.sh"

# 95 bytes: DATA/api.sock still fits, a container's socket cannot.
DATA="$SCRATCH/$(printf "%0$((94 - ${#SCRATCH}))d" 0)"
start_backend_at --data "$DATA"
gauge() { curl -s "$METRICS" | sed -n "s/^$1 //p"; }

printf 'def main(args):\n    return {"hello": args.get("name", "world")}\n' >hello.py

test_expect_success 'the data directory is that long, and the API socket is there' '
	test "${#DATA}" = 95 && test -S "$DATA/api.sock" &&
	test -d "$DATA/run"
'

test_expect_success 'a stem cell waits, on a port of 127.0.0.1, not a socket' '
	wait_for "test \"\$(gauge faasfs_containers{state=\\\"stemcell\\\"})\" -ge 1" &&
	proxy_listens >listens && test -s listens &&
	! grep -v -x "127\.0\.0\.1:[0-9]*" listens &&
	! ls "$DATA"/run/c*/proxy.sock
'

test_expect_success 'an action takes the stem cell, then runs warm, over TCP' '
	put_action hello python:3 hello.py &&
	invoke hello "{\"name\":\"Ann\"}" >1.json &&
	test "$(field 1.json .response.result.hello)" = Ann &&
	test "$(startup 1.json)" = stemcell &&
	invoke hello >2.json &&
	test "$(field 2.json .response.result.hello)" = world &&
	test "$(startup 2.json)" = warm
'

test_expect_success 'a new action starts cold there too, on a port of its block below 32768 (as root)' '
	victim_and_attacker &&
	proxy_listens >listens && test "$(wc -l <listens)" -ge 3 &&
	for p in $(sed "s/^127\.0\.0\.1://" listens); do
		test "$(id -u)" != 0 || test "$p" -ge 20000 && test "$p" -lt 32768 || return 1
	done
'

test_expect_success 'the proxies refuse a request from outside without the token' '
	for p in $(sed "s/^127\.0\.0\.1://" listens); do
		code=$(curl -s -o out.json -w "%{http_code}" -d "{\"value\":{}}" "http://127.0.0.1:$p/run") &&
		test "$code" = 401 && jq -e ".error" out.json >/dev/null || return 1
	done
'

test_expect_success 'a function finds every proxy, and posting /run, /init and / to each gets 401' '
	ports=$(sed "s/^127\.0\.0\.1://" listens | jq -sc .) &&
	invoke attacker "{\"ports\":$ports}" >a.json &&
	test "$(field a.json .response.statusCode)" = 0 &&
	jq -e --argjson ports "$ports" ".response.result as \$r | \$ports | all(. as \$p |
		\$r.scanned | index(\$p) != null)" a.json >/dev/null &&
	jq -e --argjson ports "$ports" ".response.result.hit as \$h | \$ports | all(. as \$p |
		\$h[\$p | tostring] | length == 4 and all(.status == 401))" a.json >/dev/null &&
	jq -e ".response.result.ownsock == null" a.json >/dev/null &&
	! grep -q S3CRET-a1b2 a.json
'

test_expect_success 'the victim still works, warm, with its own code and secret, and no logs of the attack' '
	invoke victim >v2.json &&
	jq -e ".response.result == {\"secret\": \"S3CRET-a1b2\", \"who\": \"victim\"}" v2.json >/dev/null &&
	test "$(startup v2.json)" = warm && jq -e ".logs == []" v2.json >/dev/null
'

test_expect_success 'the backend stops with its containers, and leaves no proxy behind' '
	pids=$(pgrep -P $BACKEND_PID faasfs-proxy) && test -n "$pids" &&
	stop_backend $BACKEND_PID &&
	for pid in $pids; do ! alive $pid || return 1; done
'

test_done

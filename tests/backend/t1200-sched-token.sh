#!/bin/sh
# A container's proxy listens on a Unix socket in the container's own
# folder: a function does not even see another container's socket, and its
# own proxy, which it can reach, answers 401 to a /run, /init or / without
# the secret token only the backend knows. The function learns nothing and
# changes nothing; the backend's own calls go on working. (t1400 attacks the
# proxies over TCP, where a long data directory puts them.)
. "$(dirname "$0")/backend-lib.sh"

start_backend

test_expect_success 'a victim with a bound secret runs and stays warm' '
	victim_and_attacker
'

test_expect_success 'every proxy listens on proxy.sock in its own folder, for its owner only, on no port' '
	proxy_listens >listens && test "$(wc -l <listens)" -ge 2 &&
	! grep -v -x "unix:$SCRATCH/run/c[0-9]*-[0-9]*/proxy.sock" listens &&
	for s in $(sed "s/^unix://" listens); do
		s=$(in_backend "$s") && test -S "$s" && test "$(stat -c %a "$s")" = 600 || return 1
	done
'

test_expect_success 'the proxies refuse a request from outside without the token' '
	for s in $(sed "s/^unix://" listens); do
		code=$(curl -s -o out.json -w "%{http_code}" --unix-socket "$(in_backend "$s")" -d "{\"value\":{}}" \
			http://localhost/run) &&
		test "$code" = 401 && jq -e ".error" out.json >/dev/null || return 1
	done
'

test_expect_success 'a function does not even see another container'"'"'s socket, nor its folder' '
	socks=$(sed "s/^unix://" listens | jq -R . | jq -sc .) &&
	invoke attacker "{\"socks\":$socks}" >a.json &&
	test "$(field a.json .response.statusCode)" = 0 &&
	own=$(field a.json .response.result.ownsock) &&
	jq -e --arg own "$own" "index(\$own) != null" <<-JSON >/dev/null &&
	$socks
	JSON
	jq -e --arg own "$own" ".response.result.hit | to_entries | map(select(.key != \$own)) |
		length >= 1 and all(.value | length == 4 and
			all(.status == 0 and (.body | test(\"No such file or directory\"))))" a.json >/dev/null &&
	jq -e --arg dir "$(basename "$(dirname "$own")")" ".response.result.siblings == [\$dir]" a.json >/dev/null
'

test_expect_success 'its own proxy, which it can reach, answers 401 to /run, /init and /' '
	jq -e ".response.result.ownhit | length == 4 and all(.status == 401)" a.json >/dev/null &&
	jq -e ".response.result | .hit[.ownsock] | length == 4 and all(.status == 401)" a.json >/dev/null &&
	! grep -q S3CRET-a1b2 a.json
'

test_expect_success 'the function sees no token, neither in its environment nor in its proxy'"'"'s' '
	jq -e ".response.result.own | .env == false and (.parent | test(\"FAASFS_PROXY_TOKEN=[0-9a-f]\") | not)" a.json
'

test_expect_success 'the victim still works, warm, with its own code and secret' '
	invoke victim >v2.json &&
	jq -e ".response.result == {\"secret\": \"S3CRET-a1b2\", \"who\": \"victim\"}" v2.json >/dev/null &&
	test "$(startup v2.json)" = warm
'

test_expect_success 'the refused requests left nothing in the victim'"'"'s logs' '
	jq -e ".logs == []" v2.json >/dev/null
'

test_done

#!/bin/sh
# The API's HTTP front end: a request is refused when its headers are
# complete (no key: 401; a declared length over the route's limit: 413),
# before any byte of its body; a path segment that decodes to a control
# character or to bytes that are not UTF-8 is a 400 with the JSON error;
# the descriptor limit is raised at start, and with the table nearly full a
# new client gets 503 rather than silence.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
RAW="$PY $HERE/raw_http.py"
HARD=$(ulimit -Hn)
ulimit -Sn 256          # the backend raises it to the hard limit
start_backend
ulimit -Sn "$HARD"
B64=$(printf %s "$AUTH" | base64 -w0)
printf 'def main(args):\n    return {"v": 1}\n' >one.py
printf 'def main(args):\n    return {"v": 2}\n' >two.py

test_expect_success 'without a key, a PUT declaring 40 MB is refused 401 before its body' '
	$RAW $PORT "PUT /api/v1/namespaces/_/actions/big HTTP/1.1\r\nHost: x\r\nContent-Length: 41943040\r\n\r\n" >out &&
	grep -q "^HTTP/1.1 401 " out && grep -q "\"error\"" out && grep -q "^EOF" out && ! grep -q TIMEOUT out
'

test_expect_success 'with the key, an invoke declaring more than --max-payload is refused 413 before its body' '
	put_action one python:3 one.py &&
	$RAW $PORT "POST /api/v1/namespaces/_/actions/one?blocking=true HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $B64\r\nContent-Length: 2000000\r\n\r\n" >out &&
	grep -q "^HTTP/1.1 413 " out && grep -q "exceeds the limit of 1048576 bytes" out && ! grep -q TIMEOUT out
'

test_expect_success 'routes without a key take no large body' '
	$RAW $PORT "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" >out &&
	grep -q "^HTTP/1.1 413 " out && ! grep -q TIMEOUT out
'

# json_error FILE: FILE holds the documented error, {"error","code"}
json_error() { test -s "$1" && jq -e ".error and .code" "$1" >/dev/null; }

# put_code PATH: the status of a PUT of two.py at PATH (after actions/); the body in put.json
put_code() {
	jq -n --rawfile code two.py "{exec: {kind: \"python:3\", code: \$code}}" |
		curl -s -o put.json -w "%{http_code}" -u "$AUTH" -X PUT -H "Content-Type: application/json" \
			-d @- "$API/actions/$1?overwrite=true"
}

test_expect_success '%00 in a name is a 400: keep%00junk makes no keep' '
	test "$(put_code "keep%00junk")" = 400 && json_error put.json &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -u "$AUTH" "$API/actions/keep")" = 404
'

test_expect_success 'secret%00 does not overwrite secret' '
	put_action secret python:3 one.py &&
	test "$(put_code "secret%00")" = 400 &&
	curl -sf -u "$AUTH" "$API/actions/secret" | jq -e ".exec.code | contains(\"1\")"
'

test_expect_success 'control characters in a name are 400s with the JSON error' '
	for seg in "a%0ab" "a%1fb" "a%7fb" "%00"; do
		test "$(put_code "$seg")" = 400 && json_error put.json || return 1
	done
'

test_expect_success '%ff and other bytes that are not UTF-8 answer 400 with the JSON error, in every collection' '
	for coll in actions packages triggers rules; do
		for seg in "%ff" "a%c3%28" "p/%fe"; do
			test "$(curl -s -o get.json -w "%{http_code}" -u "$AUTH" "$API/$coll/$seg")" = 400 &&
			json_error get.json || { echo "$coll/$seg"; cat get.json; return 1; }
		done
	done
'

test_expect_success 'the soft descriptor limit was raised to the hard one' '
	grep "^Max open files" /proc/$BACKEND_PID/limits >limits &&
	set -- $(cat limits) && test "$4" = "$5" && test "$4" = "$HARD"
'

test_expect_success 'with the table nearly full a new client is answered 503, and served once there is room' '
	prlimit --pid $BACKEND_PID --nofile=300: &&
	$RAW $PORT "GET /api/v1/namespaces/_/actions HTTP/1.1\r\nHost: x\r\nAuthorization: Basic $B64\r\n\r\n" hold 300 >out &&
	grep -q "^HTTP/1.1 503 " out && grep -q "\"error\"" out &&
	wait_for "curl -sf -u $AUTH $API/actions" &&
	prlimit --pid $BACKEND_PID --nofile=$HARD:
'

test_done

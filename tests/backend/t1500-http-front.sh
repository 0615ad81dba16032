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

test_expect_success '/metrics: on TCP a key is needed, and it shows the caller its own actions only' '
	other=$("$BACKEND" --data "$SCRATCH/data" --add-namespace other) &&
	invoke one >/dev/null &&
	curl -sf -u "$other" -X PUT -H "Content-Type: application/json" \
		-d "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a):\\n    return {}\\n\"}}" \
		"$API/actions/theirs" >/dev/null &&
	curl -sf -u "$other" -X POST "$API/actions/theirs?blocking=true" >/dev/null &&
	test "$(curl -s -o m.json -w "%{http_code}" "http://127.0.0.1:$PORT/metrics")" = 401 && json_error m.json &&
	curl -sf -u "$AUTH" "http://127.0.0.1:$PORT/metrics" >mine &&
	grep -q "action=\"guest/one\"" mine && ! grep -q "other/" mine && grep -q "^faasfs_activations_inflight" mine &&
	curl -sf -u "$other" "http://127.0.0.1:$PORT/metrics" >theirs &&
	grep -q "action=\"other/theirs\"" theirs && ! grep -q "guest/" theirs
'

test_expect_success '/metrics: the Unix socket (its owner only) shows every namespace without a key' '
	curl -sf --unix-socket "$SCRATCH/data/api.sock" http://localhost/metrics >all &&
	grep -q "guest/one" all && grep -q "other/theirs" all
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

# (backends are restarted here, not in a test's subshell, so that the
# cleanup at the end knows the last one)
stop_backend $BACKEND_PID
start_backend --metrics open
test_expect_success '/metrics: --metrics open needs no key' '
	curl -sf "http://127.0.0.1:$PORT/metrics" | grep -q "^faasfs_activations_inflight"
'

stop_backend $BACKEND_PID
start_backend --metrics socket
test_expect_success '/metrics: --metrics socket serves it on the socket only; another word is refused' '
	test "$(curl -s -o m.json -w "%{http_code}" -u "$AUTH" "http://127.0.0.1:$PORT/metrics")" = 404 &&
	curl -sf --unix-socket "$SCRATCH/data/api.sock" http://localhost/metrics | grep -q "^faasfs_activations_inflight" &&
	! "$BACKEND" --metrics nonsense --data "$SCRATCH/x" 2>/dev/null
'

test_expect_success 'a setting in the environment that is no number stops the start, naming it (atoi read it as 0)' '
	{ FAASFS_IDLE_MS=abc timeout 60 "$BACKEND" --listen 127.0.0.1:0 --data "$SCRATCH/z" 2>err; test $? = 1; } &&
	grep -q "FAASFS_IDLE_MS=abc is not a whole number" err
'

test_done

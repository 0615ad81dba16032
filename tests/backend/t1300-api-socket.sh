#!/bin/sh
# The API on the backend's Unix socket (DATA/api.sock unless --socket says
# otherwise): the same API as on TCP, key required, for its owner only.
. "$(dirname "$0")/backend-lib.sh"

start_backend
SOCK="$SCRATCH/data/api.sock"
SAPI="http://localhost/api/v1/namespaces/_"
printf 'def main(args):\n    return {"hello": args.get("name", "world")}\n' >hello.py

test_expect_success 'the backend makes its socket in the data directory, for its owner only' '
	test -S "$SOCK" &&
	test "$(stat -c %a "$SOCK")" = 600 &&
	grep -q "listening on http://127.0.0.1:$PORT and $SOCK" backend.log
'

test_expect_success 'without a key the socket answers 401' '
	test "$(curl -s -o out.json -w "%{http_code}" --unix-socket "$SOCK" "$SAPI/actions")" = 401 &&
	jq -e .error out.json &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -u "$AUTH:wrong" --unix-socket "$SOCK" "$SAPI/actions")" = 401
'

test_expect_success 'with the key an action made on TCP is listed and invoked on the socket' '
	put_action hello python:3 hello.py &&
	curl -sf -u "$AUTH" --unix-socket "$SOCK" "$SAPI/actions" | jq -e ".[0].name == \"hello\"" &&
	curl -sf -u "$AUTH" --unix-socket "$SOCK" -X POST -H "Content-Type: application/json" \
		-d "{\"name\":\"Ann\"}" "$SAPI/actions/hello?blocking=true&result=true" >r.json &&
	jq -e ".hello == \"Ann\"" r.json
'

test_expect_success 'an action made on the socket is seen on TCP' '
	jq -n --rawfile code hello.py "{exec: {kind: \"python:3\", code: \$code}}" |
		curl -sf -u "$AUTH" --unix-socket "$SOCK" -X PUT -H "Content-Type: application/json" \
			-d @- "$SAPI/actions/viasock" >/dev/null &&
	invoke viasock >act.json &&
	test "$(field act.json .response.result.hello)" = world
'

test_expect_success 'the socket goes when the backend stops' '
	stop_backend $BACKEND_PID &&
	! test -e "$SOCK"
'

test_expect_success 'a socket nobody accepts on is replaced; --socket PATH puts it elsewhere' '
	python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$SCRATCH/other.sock" &&
	start_backend --socket "$SCRATCH/other.sock" &&
	curl -sf -u "$AUTH" --unix-socket "$SCRATCH/other.sock" "$SAPI/actions" | jq -e "length == 2" &&
	! test -e "$SOCK" &&
	stop_backend $BACKEND_PID
'

test_expect_success 'a live socket is not taken over' '
	start_backend --socket "$SCRATCH/live.sock" &&
	first=$BACKEND_PID &&
	PORT2=$(free_port) &&
	"$BACKEND" --listen "127.0.0.1:$PORT2" --data "$SCRATCH/data2" --socket "$SCRATCH/live.sock" \
		>second.log 2>&1;
	test $? = 1 &&
	grep -q "cannot listen on $SCRATCH/live.sock: Address already in use" second.log &&
	curl -sf -u "$AUTH" --unix-socket "$SCRATCH/live.sock" "$SAPI/actions" >/dev/null &&
	stop_backend $first
'

test_expect_success '--socket none: TCP only' '
	start_backend --socket none &&
	! test -e "$SOCK" &&
	curl -sf -u "$AUTH" "$API/actions" >/dev/null &&
	stop_backend $BACKEND_PID
'

test_done

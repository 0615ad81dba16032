#!/bin/bash
# t0600-http.sh — the HTTP side: Knative's single entry point, raw events, limits, malformed requests.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"

proxy_start --max-body 100000
init_value "$FIX/echo.py" python:3 >value.json

test_expect_success 'POST / with init, activation and value inits and runs in one request' '
	jq -c "{init: ., activation: {activation_id: \"k1\", namespace: \"guest\", deadline: \"$(deadline_in 60000)\"},
		value: {name: \"Kn\"}}" value.json >both.json &&
	got=$(post / --data-binary @both.json) && expect 200 ".args.name == \"Kn\"" &&
	test "$(sentinels proxy.out)" = 1
'
test_expect_success 'POST / with the same init again is answered, not refused' '
	got=$(post / --data-binary @both.json) && expect 200 ".args.name == \"Kn\""
'
test_expect_success 'POST / with init only' '
	jq -c "{init: .}" value.json >init-only.json &&
	got=$(post / --data-binary @init-only.json) && expect 200 ".ok == true"
'
test_expect_success 'POST / with a value only runs' '
	got=$(post / -d "{\"value\":{\"v\":1}}") && expect 200 ".args == {\"v\":1}"
'
test_expect_success 'POST / with any other JSON object passes it as the parameters' '
	got=$(post / -H "Content-Type: application/json" -d "{\"event\":\"push\",\"n\":[1,2]}") &&
	expect 200 ".args == {\"event\":\"push\",\"n\":[1,2]}"
'
test_expect_success 'POST / with a body that is not JSON passes it raw, with its headers' '
	got=$(post / -H "Content-Type: text/csv" -H "Ce-Id: 42" --data-binary "a,b
1,2") &&
	expect 200 ".args.__ow_body == \"a,b\n1,2\" and .args.__ow_method == \"post\" and .args.__ow_path == \"\" and
		.args.__ow_headers[\"content-type\"] == \"text/csv\" and .args.__ow_headers[\"ce-id\"] == \"42\""
'
test_expect_success 'a body that is not UTF-8 arrives as base64' '
	printf "\377\376\000\001" >bin &&
	got=$(post / -H "Content-Type: application/octet-stream" --data-binary @bin) &&
	expect 200 ".args.__ow_body == \"//4AAQ==\""
'
test_expect_success 'a JSON array body is raw too' '
	got=$(post / -d "[1,2]") && expect 200 ".args.__ow_body == \"[1,2]\""
'
test_expect_success 'a body over --max-body gets 413' '
	head -c 200000 /dev/zero | tr "\0" a >huge &&
	got=$(post /run --data-binary @huge) && test "$got" = 413
'
test_expect_success 'a chunked body is read' '
	got=$(post /run -H "Transfer-Encoding: chunked" -d "{\"value\":{\"c\":true}}") && expect 200 ".args.c == true"
'
test_expect_success 'keep-alive: several requests on one connection' '
	curl -s -m 60 -d "{\"value\":{\"i\":1}}" "$URL/run" -w "\n%{num_connects}\n" \
		--next -d "{\"value\":{\"i\":2}}" "$URL/run" -w "\n%{num_connects}\n" >two &&
	test "$(jq -sc "map(if type == \"object\" then .args.i else . end)" two)" = "[1,1,2,0]"
'
test_expect_success 'run bodies: any valid JSON object passes, anything else is 400' '
	got=$(post /run -d "{\"value\":{\"a\":[1e5,-0.5,0,true,false,null,\"\\u00e9\\n\",{}],\"b\":{\"c\":[]}}}") &&
	expect 200 ".args == {\"a\":[1e5,-0.5,0,true,false,null,\"é\n\",{}],\"b\":{\"c\":[]}}" &&
	for bad in "{\"value\":{},}" "{\"value\":01}" "{\"value\":\"\\x\"}" "{\"value\":{}} x" "[]" "{\"value\":tru}" "{\"value\":\"\\u12\"}" ""; do
		got=$(post /run -d "$bad") && expect 400 ".error" || return 1
	done
'
test_expect_success 'unknown paths, other methods and bad JSON are errors' '
	got=$(post /nope) && expect 404 ".error" &&
	got=$(curl -s -o body -w "%{http_code}" "$URL/run") && expect 405 ".error" &&
	got=$(post /run -d "{oops") && expect 400 ".error" &&
	got=$(post /init -d "[]") && expect 400 ".error"
'
test_expect_success 'malformed HTTP does not hurt the proxy' '
	for req in "GARBAGE\r\n\r\n" "POST /run HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" \
		"POST /run HTTP/1.1\r\nContent-Length: 99999\r\n\r\n{" "POST /run HTTP/9.9\r\n\r\n" \
		"\0\0\0\0\r\n\r\n" "POST /run HTTP/1.1\r\nX: $(head -c 70000 /dev/zero | tr "\0" x)\r\n\r\n"; do
		/usr/bin/python3 -c "import socket,sys; s=socket.create_connection((\"127.0.0.1\",$PORT)); s.sendall(sys.argv[1].encode().decode(\"unicode_escape\").encode(\"latin-1\")); s.shutdown(socket.SHUT_WR); s.settimeout(10); s.recv(100)" "$req" || true
	done &&
	proxy_alive &&
	got=$(run "{\"still\":\"here\"}") && expect 200 ".args.still == \"here\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'run before init on POST / is an error' '
	got=$(post / -d "{\"x\":1}") && expect 403 ".error"
'
test_expect_success 'POST / with init and a run, many at once, inits once' '
	for i in 1 2 3 4 5; do
		jq -c --argjson i $i "{init: ., value: {i: \$i}}" value.json >req$i.json
	done &&
	post_many / 5 &&
	for i in 1 2 3 4 5; do test "$(jq .args.i out$i.json)" = $i || return 1; done &&
	test "$(pgrep -P $PROXY_PID | wc -l)" = 1
'
kill $PROXY_PID

test_expect_success 'a number that is none (PORT, --concurrency, --timeout, --spin, --max-body) is refused, saying which' '
	for args in "--concurrency abc" "--concurrency 0" "--timeout 5s" "--spin -1" "--max-body 10x" "--listen :8080x"; do
		{ timeout 10 "$PROXY" --listen 127.0.0.1:0 $args 2>err; test $? = 2; } &&
		grep -q "^faasfs-proxy: ${args%% *}" err || return 1
	done &&
	{ PORT=abc timeout 10 "$PROXY" 2>err; test $? = 2; } &&
	grep -q "^faasfs-proxy: PORT=abc: not a whole number from 0 to 65535" err
'

proxy_start
test_expect_success 'the proxy stops on SIGTERM, its function process with it' '
	got=$(init "$FIX/echo.py" python:3) && expect 200 ".ok" &&
	kid=$(pgrep -P $PROXY_PID) && test -n "$kid" &&
	kill $PROXY_PID && wait_for "! kill -0 $PROXY_PID" && wait_for "! kill -0 $kid"
'
test_done

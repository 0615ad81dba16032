#!/bin/bash
# t0100-python.sh — python:3 actions through the proxy's python launcher.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"
. "$TOP/tests/proxy/conformance.sh"

conformance python:3 "$FIX/suite.py"

proxy_start
test_expect_success 'python: init without code is refused' '
	got=$(post /init -d "{\"value\":{\"main\":\"main\",\"code\":\"\",\"kind\":\"python:3\"}}") &&
	expect 403 ".error | test(\"no code\")"
'
test_expect_success 'python: a syntax error comes back with the interpreter text' '
	printf "def main(args:\n    return {}\n" >bad.py &&
	got=$(init bad.py python:3) &&
	expect 502 ".error | test(\"SyntaxError\") and test(\"never closed|invalid syntax\")" &&
	test "$(sentinels proxy.err)" = 1
'
test_expect_success 'python: after a failed init, another init works' '
	got=$(init "$FIX/suite.py" python:3) && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Ed\"}") && expect 200 ".greeting == \"Hello Ed\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'python: a missing main is an init error naming it' '
	got=$(init "$FIX/suite.py" python:3 niam) && expect 502 ".error | test(\"niam\")"
'
kill $PROXY_PID

proxy_start
test_expect_success 'python: a zip action with __main__.py and a module beside it' '
	mkdir zipped && printf "def greet(n):\n    return \"Hi \" + n\n" >zipped/helper.py &&
	printf "from helper import greet\ndef hi(args):\n    return {\"msg\": greet(args[\"name\"])}\n" >zipped/__main__.py &&
	(cd zipped && zip -q ../action.zip __main__.py helper.py) &&
	got=$(init action.zip "" hi) && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Flo\"}") && expect 200 ".msg == \"Hi Flo\""
'
test_expect_success 'python: an exception is an application error naming its type, the process lives on' '
	got=$(run "{}") && expect 200 ".error == \"KeyError: '"'"'name'"'"'\"" &&
	grep -q KeyError proxy.err &&
	got=$(run "{\"name\":\"Gus\"}") && expect 200 ".msg == \"Hi Gus\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'python: a zip with a virtualenv folder imports from it' '
	mkdir -p venv/virtualenv/lib/python3.11/site-packages/shiny &&
	echo "GLOW = 42" >venv/virtualenv/lib/python3.11/site-packages/shiny/__init__.py &&
	printf "import shiny\ndef main(args):\n    return {\"glow\": shiny.GLOW}\n" >venv/__main__.py &&
	(cd venv && zip -qr ../venv.zip .) &&
	got=$(init venv.zip python:3) && expect 200 ".ok" &&
	got=$(run "{}") && expect 200 ".glow == 42"
'
kill $PROXY_PID

proxy_start
test_expect_success 'python: with __OW_ALLOW_CONCURRENT runs wait in the process, answers matched by id' '
	got=$(init "$FIX/suite.py" python:3 main "{\"__OW_ALLOW_CONCURRENT\":\"true\"}") && expect 200 ".ok" &&
	for i in $(seq 1 40); do echo "{\"value\":{\"op\":\"echo\",\"i\":$i},\"activation_id\":\"a$((i % 7))\"}" >req$i.json; done &&
	post_many /run 40 &&
	answers_in_order 40 i &&
	test "$(pgrep -P $PROXY_PID | wc -l)" = 1
'
kill $PROXY_PID

proxy_start --kind python:3
test_expect_success 'python: with --kind, the launcher starts before init and takes the code' '
	wait_for "pgrep -P $PROXY_PID" && stem=$(pgrep -P $PROXY_PID) &&
	got=$(init bad.py python:3) && expect 502 ".error | test(\"SyntaxError\")" &&
	wait_for "pgrep -P $PROXY_PID" && stem=$(pgrep -P $PROXY_PID) &&
	got=$(init "$FIX/suite.py" python:3 main "{\"SOME_VAR\":\"stem\"}") && expect 200 ".ok" &&
	test "$(pgrep -P $PROXY_PID)" = "$stem" &&
	got=$(run "{\"op\":\"env\"}" "{\"activation_id\":\"s1\"}") &&
	expect 200 ".SOME_VAR == \"stem\" and .__OW_ACTIVATION_ID == \"s1\"" &&
	got=$(run "{\"name\":\"Pia\"}") && expect 200 ".greeting == \"Hello Pia\""
'
kill $PROXY_PID

proxy_start --kind python:3
test_expect_success 'python: a stem cell gives way to an init of another kind' '
	wait_for "pgrep -P $PROXY_PID" &&
	got=$(init "$FIX/suite.js" nodejs:20) && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Quin\"}") && expect 200 ".greeting == \"Hello Quin\""
'
kill $PROXY_PID

# A run object with bytes that are not UTF-8, or with a lone surrogate in a
# string (valid JSON syntax), reaches the function as text with U+FFFD;
# the launcher lives on and the next run is answered.
proxy_start
printf 'def main(args):\n    return {"args": args, "id": __import__("os").environ.get("__OW_ACTIVATION_ID")}\n' >echoid.py
test_expect_success 'python: a run object with invalid UTF-8 or a lone surrogate is handled, the launcher lives on' '
	got=$(init echoid.py python:3) && expect 200 ".ok" &&
	printf "{\"value\":{\"s\":\"a\377b\"}}" >bad.json &&
	got=$(post /run --data-binary @bad.json) && expect 200 ".args.s == \"a\\ufffdb\"" &&
	printf "{\"value\":{\"s\":\"a\\\\ud800b\"},\"activation_id\":\"x\\\\udc00\"}" >sur.json &&
	got=$(post /run --data-binary @sur.json) && expect 200 ".args.s == \"a\\ufffdb\" and .id == \"x\\ufffd\"" &&
	got=$(run "{\"n\":1}") && expect 200 ".args.n == 1" &&
	proxy_alive
'

kill $PROXY_PID
test_done

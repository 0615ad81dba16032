#!/bin/bash
# t0400-native.sh — native actions: any executable, run once per activation, blackbox style.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"
. "$TOP/tests/proxy/conformance.sh"

cc -O -o suite "$FIX/suite.c" $(pkg-config --cflags --libs jansson) || exit 1
conformance native "$PWD/suite"

proxy_start
test_expect_success 'native: an ELF executable without a kind is detected' '
	got=$(init suite "") && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Jo\"}") && expect 200 ".greeting == \"Hello Jo\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'native: a #! script without a kind is detected' '
	printf "#!/bin/sh\necho \"{\\\\\"shebang\\\\\":true}\"\n" >s.sh &&
	got=$(init s.sh "") && expect 200 ".ok" &&
	got=$(run "{}") && expect 200 ".shebang == true"
'
kill $PROXY_PID

proxy_start
test_expect_success 'native: text that is no executable is an init error' '
	echo "just words" >words &&
	got=$(init words native) && expect 502 ".error | test(\"not an executable\")"
'
test_expect_success 'native: without a kind and not executable, init asks for a kind' '
	got=$(init words "") && expect 502 ".error | test(\"kind\")"
'
test_expect_success 'native: a zip holding exec' '
	mkdir z && cp suite z/exec && (cd z && zip -q ../native.zip exec) &&
	got=$(init native.zip "") && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Kim\"}") && expect 200 ".greeting == \"Hello Kim\""
'
kill $PROXY_PID

proxy_start --kind python:3
test_expect_success 'native: a stem cell of --kind goes when a native action comes' '
	wait_for "pgrep -P $PROXY_PID" &&
	got=$(init suite native) && expect 200 ".ok" &&
	wait_for "! pgrep -P $PROXY_PID" &&
	got=$(run "{\"name\":\"Ray\"}") && expect 200 ".greeting == \"Hello Ray\""
'
kill $PROXY_PID

proxy_start --max-body 1000
test_expect_success 'native: an endless result is cut off, not swallowed' '
	printf "#!/bin/bash\nhead -c 300000 /dev/zero | tr \"\\\\0\" x\n" >long.sh &&
	got=$(init long.sh native) && expect 200 ".ok" &&
	got=$(run "{}") && expect 502 ".error | test(\"longer than\")" && proxy_alive
'
kill $PROXY_PID

proxy_start
test_expect_success 'native: stopping the proxy kills the processes it runs' '
	got=$(init suite native) && expect 200 ".ok" &&
	{ run "{\"op\":\"sleep\",\"ms\":60000}" >/dev/null & } &&
	wait_for "pgrep -P $PROXY_PID" && kid=$(pgrep -P $PROXY_PID) &&
	kill $PROXY_PID && wait_for "! kill -0 $kid"
'
test_done

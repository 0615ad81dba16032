#!/bin/bash
# t0300-bash.sh — bash actions: a script per activation, parameters in $1 and on stdin.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"
. "$TOP/tests/proxy/conformance.sh"

conformance bash "$FIX/suite.sh"

proxy_start
test_expect_success 'bash: a script without #! runs as kind bash' '
	printf "echo log line\necho \"{\\\\\"args\\\\\":\$1}\"\n" >plain.sh &&
	got=$(init plain.sh bash) && expect 200 ".ok" &&
	got=$(run "{\"a\":[1,2]}") && expect 200 ".args.a == [1,2]" &&
	grep -qx "log line" proxy.out
'
kill $PROXY_PID

proxy_start
test_expect_success 'bash: a tar.gz action with exec and a file beside it' '
	mkdir t && printf "#!/bin/bash\necho \"{\\\\\"data\\\\\":\\\\\"\$(cat data.txt)\\\\\"}\"\n" >t/exec &&
	echo from-the-archive >t/data.txt && chmod +x t/exec &&
	tar -C t -czf action.tgz exec data.txt &&
	got=$(init action.tgz bash) && expect 200 ".ok" &&
	got=$(run "{}") && expect 200 ".data == \"from-the-archive\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'bash: a deadline kills the whole process group' '
	cat >group.sh <<-\EOF &&
	sleep 300 &
	echo $! >"$PWD/grandchild"
	wait
	EOF
	sed -i "s|\$PWD|$PWD|" group.sh &&
	got=$(init group.sh bash) && expect 200 ".ok" &&
	got=$(run "{}" "{\"deadline\":\"$(deadline_in 5000)\"}") && expect 502 ".error | test(\"time limits\")" &&
	{ test -s grandchild || { say "bash had not started its background sleep within the 5 s deadline"; false; }; } &&
	wait_for "! kill -0 $(cat grandchild)" 600
'
kill $PROXY_PID

proxy_start
test_expect_success 'bash: an archive without exec is an init error' '
	mkdir e && echo hi >e/readme && (cd e && zip -q ../noexec.zip readme) &&
	got=$(init noexec.zip bash) && expect 502 ".error | test(\"no entry point\")"
'
test_expect_success 'bash: a zip action with exec' '
	mkdir zb && cat >zb/exec <<-\EOF &&
	echo "{\"zipped\":$1}"
	EOF
	(cd zb && zip -q ../bash.zip exec) &&
	got=$(init bash.zip bash) && expect 200 ".ok" &&
	got=$(run "{\"n\":1}") && expect 200 ".zipped.n == 1"
'
kill $PROXY_PID
test_done

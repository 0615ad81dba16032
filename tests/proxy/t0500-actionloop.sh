#!/bin/bash
# t0500-actionloop.sh — actionloop executables: they speak the action loop themselves.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"
. "$TOP/tests/proxy/conformance.sh"

cc -O -DACTIONLOOP -o loop "$FIX/loop.c" "$FIX/suite.c" $(pkg-config --cflags --libs jansson) || exit 1
conformance actionloop "$PWD/loop"

proxy_start --kind actionloop
test_expect_success 'actionloop: --kind is the kind when init names none' '
	got=$(init loop "") && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Lu\"}") && expect 200 ".greeting == \"Hello Lu\""
'
kill $PROXY_PID

FAASFS_KIND=actionloop proxy_start
test_expect_success 'actionloop: FAASFS_KIND (a runtime image gives it) is the kind when init names none' '
	got=$(init loop "") && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Lu\"}") && expect 200 ".greeting == \"Hello Lu\""
'
kill $PROXY_PID

FAASFS_KIND=actionloop proxy_start --kind python:3
test_expect_success 'actionloop: --kind comes before FAASFS_KIND' '
	got=$(init loop "") && expect 502 ".error"
'
kill $PROXY_PID

proxy_start
test_expect_success 'actionloop: a line that is not JSON is an error, the process lives on' '
	printf "#!/bin/bash\nwhile read -r line; do\n  case \$line in *bad*) echo not json >&3;; *) echo \"{\\\\\"pid\\\\\":\$\$}\" >&3;; esac\ndone\n" >l.sh &&
	got=$(init l.sh actionloop) && expect 200 ".ok" &&
	got=$(run "{}") && expect 200 ".pid" && pid=$(jq .pid body) &&
	got=$(run "{\"bad\":1}") && expect 502 ".error | test(\"dictionary or array\")" &&
	got=$(run "{}") && expect 200 ".pid == $pid"
'
kill $PROXY_PID

proxy_start
test_expect_success 'actionloop: closing fd 3 is an error that says so' '
	printf "#!/bin/bash\nread -r line\nexec 3>&-\nsleep 60\n" >c.sh &&
	got=$(init c.sh actionloop) && expect 200 ".ok" &&
	got=$(run "{}") && expect 502 ".error | test(\"closed fd 3\")"
'
kill $PROXY_PID

proxy_start --max-body 1000
test_expect_success 'actionloop: an endless answer is cut off, not swallowed' '
	printf "#!/bin/bash\nread -r line\nhead -c 300000 /dev/zero | tr \"\\\\0\" x >&3\nsleep 60\n" >long.sh &&
	got=$(init long.sh actionloop) && expect 200 ".ok" &&
	got=$(run "{}") && expect 502 ".error | test(\"longer than\")" && proxy_alive
'
kill $PROXY_PID

proxy_start
test_expect_success 'actionloop: runs sent at once wait their turn, each gets its own answer' '
	got=$(init loop actionloop) && expect 200 ".ok" &&
	for i in $(seq 1 30); do echo "{\"value\":{\"op\":\"echo\",\"i\":$i}}" >req$i.json; done &&
	post_many /run 30 &&
	answers_in_order 30 i &&
	test "$(sentinels proxy.out)" = 30
'
kill $PROXY_PID

proxy_start
test_expect_success 'actionloop: many at once with answers tagged by activation id' '
	got=$(init loop actionloop main "{\"__OW_CONCURRENCY\":\"4\"}") && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Mo\"}" "{\"activation_id\":\"x1\"}") && expect 200 ".greeting == \"Hello Mo\"" &&
	got=$(run "{\"name\":\"Ny\"}") && expect 200 ".greeting == \"Hello Ny\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'actionloop: a waiting run whose caller went away is not run' '
	cat >count.sh <<-\EOF &&
	#!/bin/bash
	while read -r line; do
		echo "$line" >>"$SEEN"
		case $line in *first*) until test -e "$GATE"; do sleep 0.05; done;; esac
		echo "{\"n\":$(wc -l <"$SEEN")}" >&3
	done
	EOF
	got=$(init count.sh actionloop main "{\"SEEN\":\"$PWD/seen\",\"GATE\":\"$PWD/gate\"}") && expect 200 ".ok" &&
	{ run "{\"first\":1}" >first.status & } &&
	wait_for "test -s seen" &&
	! curl -s -m 0.5 -d "{\"value\":{\"second\":1}}" "$URL/run" &&
	touch gate &&
	got=$(run "{\"third\":1}") && expect 200 ".n == 2" &&
	! grep -q second seen && test "$(sentinels proxy.out)" = 2
'
kill $PROXY_PID

export OW_WAIT_FOR_ACK=1
proxy_start
unset OW_WAIT_FOR_ACK
test_expect_success 'actionloop: with OW_WAIT_FOR_ACK, an init error comes from the executable' '
	cat >noack.sh <<-\EOF &&
	#!/bin/bash
	echo "cannot load: $__OW_WAIT_FOR_ACK" >&2
	echo "{\"error\":\"no such model\"}" >&3
	EOF
	got=$(init noack.sh actionloop) && expect 502 ".error == \"no such model\"" &&
	grep -q "cannot load: 1" proxy.err && test "$(sentinels proxy.err)" = 1
'
test_expect_success 'actionloop: with OW_WAIT_FOR_ACK, an exit before the ack is an init error' '
	printf "#!/bin/bash\necho gone >&2\nexit 4\n" >quit.sh &&
	got=$(init quit.sh actionloop) && expect 502 ".error | test(\"exit status 4\") and test(\"gone\")"
'
test_expect_success 'actionloop: a zip holding exec, which acks' '
	mkdir za && cp loop za/exec && (cd za && zip -q ../loop.zip exec) &&
	got=$(init loop.zip actionloop) && expect 200 ".ok" &&
	got=$(run "{\"name\":\"Ov\"}") && expect 200 ".greeting == \"Hello Ov\""
'
kill $PROXY_PID
test_done

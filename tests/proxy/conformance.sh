# conformance.sh — the rules every kind must keep, run against the real proxy.
#
# conformance KIND CODE: CODE is the suite function in that kind (the
# fixtures/suite.* files, or an executable built from suite.c); every test
# here runs it through a fresh proxy. Sourced by the tNNNN-KIND.sh files,
# after proxy-lib.sh.

conformance() {
	KIND=$1 CODE=$2
	export __OW_API_HOST=http://api.example:3233
	proxy_start
	unset __OW_API_HOST
	RUNS=0

	test_expect_success "$KIND: run before init is an error" '
		got=$(run "{}") && expect 403 ".error | test(\"not initialized\")"
	'
	test_expect_success "$KIND: init" '
		got=$(init "$CODE" "$KIND" main "{\"SOME_VAR\":\"xyz\",\"ANOTHER_VAR\":\"\"}") &&
		expect 200 ".ok == true"
	'
	test_expect_success "$KIND: hello with parameters, logs end with sentinels" '
		got=$(run "{\"name\":\"Ann\"}") && expect 200 ".greeting == \"Hello Ann\"" &&
		printf "stdout of Ann\n%s\n" $SENTINEL >want.out &&
		printf "stderr of Ann\n%s\n" $SENTINEL >want.err &&
		test_cmp want.out proxy.out && test_cmp want.err proxy.err
	'
	test_expect_success "$KIND: unicode in and out" '
		got=$(run "{\"name\":\"Jürgen 名前 🙂\"}") && expect 200 ".greeting == \"Hello Jürgen 名前 🙂\"" &&
		grep -q "^stdout of Jürgen 名前 🙂\$" proxy.out
	'
	test_expect_success "$KIND: the __OW_* environment and init env" '
		d=$(deadline_in 60000) &&
		got=$(run "{\"op\":\"env\"}" "{\"namespace\":\"guest\",\"action_name\":\"/guest/env\",\"activation_id\":\"0123abcd\",\"api_key\":\"u:k\",\"deadline\":\"$d\"}") &&
		expect 200 ".__OW_API_HOST == \"http://api.example:3233\" and .__OW_NAMESPACE == \"guest\" and
			.__OW_ACTION_NAME == \"/guest/env\" and .__OW_ACTIVATION_ID == \"0123abcd\" and
			.__OW_API_KEY == \"u:k\" and .__OW_DEADLINE == \"$d\" and .SOME_VAR == \"xyz\" and .ANOTHER_VAR == \"\""
	'
	test_expect_success "$KIND: re-init with the same code is fine, other code is refused" '
		got=$(post /init --data-binary @init.json) && expect 200 ".ok == true" &&
		jq ".value.code += \"\n\"" init.json >other.json &&
		got=$(post /init --data-binary @other.json) && expect 403 ".error | test(\"more than once\")" &&
		got=$(run "{\"name\":\"Bo\"}") && expect 200 ".greeting == \"Hello Bo\""
	'
	test_expect_success "$KIND: a result that is no object is a 502" '
		got=$(run "{\"op\":\"nonobject\"}") && expect 502 ".error | test(\"dictionary or array\")"
	'
	test_expect_success "$KIND: an exit during the run says so, and the next run works" '
		got=$(run "{\"op\":\"exit\"}") &&
		expect 502 ".error | test(\"exit status 3\") and test(\"dying on purpose\")" &&
		got=$(run "{\"name\":\"Cy\"}") && expect 200 ".greeting == \"Hello Cy\""
	'
	test_expect_success "$KIND: a deadline kills the run, and the next run works" '
		got=$(run "{\"op\":\"sleep\",\"ms\":60000}" "{\"deadline\":\"$(deadline_in 1000)\"}") &&
		expect 502 ".error | test(\"exceeded its time limits\")" &&
		got=$(run "{\"op\":\"sleep\",\"ms\":1}" "{\"deadline\":\"$(deadline_in 60000)\"}") &&
		expect 200 ".slept == 1"
	'
	test_expect_success "$KIND: a 10 MB parameter" '
		head -c 10485760 /dev/zero | tr "\0" x >big &&
		jq -cn --rawfile b big "{value: {op: \"size\", big: \$b}}" >run.json &&
		got=$(post /run --data-binary @run.json) && expect 200 ".size == 10485760"
	'
	test_expect_success "$KIND: every activation ended its logs with both sentinels" '
		test "$(sentinels proxy.out)" = 10 && test "$(sentinels proxy.err)" = 10 &&
		proxy_alive
	'
	kill "$PROXY_PID"

	proxy_start --log-limit 1000
	test_expect_success "$KIND: logs over the limit are cut with a marker" '
		got=$(init "$CODE" "$KIND") && expect 200 ".ok" &&
		got=$(run "{\"op\":\"log\",\"bytes\":5000}") && expect 200 ".logged == 5000" &&
		grep -q "^Logs were truncated because the total bytes size exceeds the limit of 1000 bytes.\$" proxy.out &&
		test "$(sentinels proxy.out)" = 1 && test $(wc -c <proxy.out) -lt 1200 &&
		got=$(run "{\"name\":\"Di\"}") && expect 200 ".greeting == \"Hello Di\"" &&
		tail -n 2 proxy.out | head -n 1 | grep -qx "stdout of Di"
	'
	kill "$PROXY_PID"
}

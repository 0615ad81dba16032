#!/bin/bash
# t0200-node.sh — nodejs:20 actions through the proxy's node launcher.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"
. "$TOP/tests/proxy/conformance.sh"

conformance nodejs:20 "$FIX/suite.js"

proxy_start
test_expect_success 'node: a syntax error comes back with the interpreter text' '
	printf "function main(args) {\n  return {;\n}\n" >bad.js &&
	got=$(init bad.js nodejs:20) && expect 502 ".error | test(\"SyntaxError\")" &&
	test "$(sentinels proxy.err)" = 1
'
test_expect_success 'node: an ES module that exports main' '
	printf "import os from \"node:os\";\nexport function main(a) { return {esm: typeof os.hostname, n: a.n}; }\n" >esm.js &&
	got=$(init esm.js nodejs:default) && expect 200 ".ok" &&
	got=$(run "{\"n\":7}") && expect 200 ".esm == \"function\" and .n == 7"
'
kill $PROXY_PID

proxy_start
test_expect_success 'node: a CommonJS module with another main that returns a Promise' '
	printf "exports.hi = a => Promise.resolve({hi: a.who});\n" >cjs.js &&
	got=$(init cjs.js nodejs:20 hi) && expect 200 ".ok" &&
	got=$(run "{\"who\":\"Ida\"}") && expect 200 ".hi == \"Ida\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'node: a rejected Promise is an application error naming the type of the error' '
	printf "exports.main = async (a) => { if (a.t) throw new TypeError(\"bad \" + a.t); throw new Error(\"nope\"); };\n" >rej.js &&
	got=$(init rej.js nodejs:20) && expect 200 ".ok" &&
	got=$(run "{}") && expect 200 ".error == \"Error: nope\"" &&
	got=$(run "{\"t\":\"x\"}") && expect 200 ".error == \"TypeError: bad x\""
'
kill $PROXY_PID

proxy_start
test_expect_success 'node: a zip action with package.json main' '
	mkdir pkg && printf "{\"name\":\"z\",\"main\":\"lib/start.js\"}\n" >pkg/package.json &&
	mkdir pkg/lib && printf "exports.main = a => ({zipped: a.x * 2});\n" >pkg/lib/start.js &&
	(cd pkg && zip -qr ../pkg.zip .) &&
	got=$(init pkg.zip "") && expect 200 ".ok" &&
	got=$(run "{\"x\":21}") && expect 200 ".zipped == 42"
'
kill $PROXY_PID

proxy_start
test_expect_success 'node: 100 activations at once in one node process' '
	got=$(init "$FIX/barrier.js" nodejs:20 main "{\"__OW_ALLOW_CONCURRENT\":\"true\"}") && expect 200 ".ok" &&
	d=$(deadline_in 30000) &&
	for i in $(seq 1 100); do
		echo "{\"value\":{\"n\":100,\"i\":$i},\"activation_id\":\"act$i\",\"deadline\":\"$d\"}" >req$i.json
	done &&
	post_many /run 100 &&
	cat out*.json | jq -s -e "length == 100 and (map(.pid) | unique | length == 1) and
		all(.together == 100)" &&
		answers_in_order 100 i &&
	test "$(sentinels proxy.out)" = 100
'
kill $PROXY_PID

proxy_start
test_expect_success 'node: many in flight, the earliest deadline kills the process whichever came first' '
	got=$(init "$FIX/suite.js" nodejs:20 main "{\"__OW_ALLOW_CONCURRENT\":\"true\"}") && expect 200 ".ok" &&
	i=0 && for ms in 60000 50000 1500 40000; do
		i=$((i + 1)) &&
		echo "{\"value\":{\"op\":\"sleep\",\"ms\":60000},\"activation_id\":\"d$i\",\"deadline\":\"$(deadline_in $ms)\"}" >req$i.json
	done &&
	post_many /run 4 &&
	jq -e ".error | test(\"exceeded its time limits\")" out3.json &&
	for i in 1 2 4; do jq -e ".error | test(\"another activation in it exceeded\")" out$i.json || exit 1; done
'
kill $PROXY_PID

# 10,000 at once (fewer when the descriptor limit cannot be raised for the
# proxy's and the client's sockets): every run gets its own answer though
# they are answered in the reverse of the order they came.
crowd=10000
ulimit -n $((crowd + 300)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
room=$(( $(ulimit -n) - 300 ))
[ "$room" -lt "$crowd" ] && crowd=$room && say "the descriptor limit allows $crowd runs at once, not 10,000"
proxy_start
test_expect_success "node: $crowd activations at once in one node process, each its own answer" '
	got=$(init "$FIX/barrier.js" nodejs:20 main "{\"__OW_ALLOW_CONCURRENT\":\"true\",\"__OW_CONCURRENCY\":\"$crowd\"}") &&
	expect 200 ".ok" &&
	node "$FIX/crowd.js" "$URL" "$crowd" >crowd.json; cat crowd.json &&
	jq -e ".ok == $crowd and .crossed == 0 and .failed == 0 and .pids == 1" crowd.json >/dev/null &&
	test "$(sentinels proxy.out)" = "$crowd"
'
kill $PROXY_PID

proxy_start --kind nodejs:20
test_expect_success 'node: with --kind, the launcher starts before init and takes the code' '
	wait_for "pgrep -P $PROXY_PID" && stem=$(pgrep -P $PROXY_PID) &&
	got=$(init esm.js nodejs:20 main "{\"SOME_VAR\":\"stem\"}") && expect 200 ".ok" &&
	test "$(pgrep -P $PROXY_PID)" = "$stem" &&
	got=$(run "{\"n\":8}") && expect 200 ".n == 8"
'
kill $PROXY_PID
test_done

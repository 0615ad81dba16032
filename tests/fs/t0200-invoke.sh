#!/bin/bash
# t0200-invoke.sh — invoke as an RPC file, result, raw bodies, many shells at once.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'setup: hello and echo actions' '
	py hello "{\"greeting\": \"Hello \" + args.get(\"name\", \"world\")}" &&
	py echo "{k: v for k, v in args.items() if k.startswith(\"__ow\") or k in (\"n\", \"name\")}" &&
	cp hello.py echo.py "$A/"
'

test_expect_success 'cat invoke runs the action with no parameters' '
	test "$(cat $A/hello/invoke)" = "{\"greeting\":\"Hello world\"}"
'

test_expect_success 'the 3<> idiom: write the parameters, read the result' '
	{ echo "{\"name\":\"Ann\"}" >&3; cat <&3; } 3<>"$A/hello/invoke" >out &&
	echo "{\"greeting\":\"Hello Ann\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'several values written on one open give their results in order' '
	{ printf "{\"name\":\"a\"}\n{\"name\":\"b\"}{\"name\":\"c\"}\n" >&3; cat <&3; } 3<>"$A/hello/invoke" >out &&
	printf "{\"greeting\":\"Hello %s\"}\n" a b c >expect &&
	test_cmp expect out
'

test_expect_success 'echo > invoke, then cat result, gives that invocation'"'"'s result' '
	echo "{\"name\":\"Bob\"}" >"$A/hello/invoke" &&
	test "$(cat $A/hello/result)" = "{\"greeting\":\"Hello Bob\"}"
'

test_expect_success '50 shells at once each get their own result' '
	for i in $(seq 50); do
		( { echo "{\"n\":$i}" >&3; cat <&3; } 3<>"$A/echo/invoke" >r.$i ) &
	done &&
	wait &&
	for i in $(seq 50); do
		test "$(jq .n r.$i)" = "$i" || { echo "shell $i: $(cat r.$i)"; exit 1; }
	done
'

test_expect_success 'a write that is not JSON is passed raw, as a web body' '
	{ echo "plain text, not JSON" >&3; cat <&3; } 3<>"$A/echo/invoke" >out &&
	test "$(jq -r .__ow_body out)" = "plain text, not JSON" &&
	test "$(jq -r .__ow_method out)" = post &&
	jq -r ".__ow_headers[\"content-type\"]" out | grep -q "^text/plain"
'

test_expect_success 'bad JSON fails the write itself, with the reason in err' '
	! echo "{\"name\" 1}" >"$A/hello/invoke" 2>w.err &&
	grep -q "write error: Invalid argument" w.err &&
	tail -n 1 "$FAAS/err" | grep -q "write actions/hello/invoke: bad JSON"
'

test_expect_success 'a JSON value cut short fails the close of a write-only open' '
	printf "{\"name\": \"Ann" >part.json &&
	! cp part.json "$A/hello/invoke" 2>c.err &&
	tail -n 1 "$FAAS/err" | grep -q "close actions/hello/invoke: bad JSON"
'

test_expect_success 'and the read of an open that reads, which has no close to fail' '
	! { printf "{\"name\": \"Ann" >&3; cat <&3; } 3<>"$A/hello/invoke" 2>r.err &&
	grep -q "Invalid argument" r.err &&
	tail -n 1 "$FAAS/err" | grep -q "read actions/hello/invoke: bad JSON"
'

test_expect_success 'an application error comes back as the result' '
	py fails "{\"error\": \"no luck\"}" && cp fails.py "$A/" &&
	test "$(cat $A/fails/invoke)" = "{\"error\":\"no luck\"}" &&
	test "$(cat $A/fails/result)" = "{\"error\":\"no luck\"}"
'

test_expect_success 'result of an action run elsewhere comes from the backend' '
	rest POST "actions/hello?blocking=true" "{\"name\":\"Rest\"}" >/dev/null &&
	within 10 "grep -q \"Hello Rest\" $A/hello/result"
'

test_done

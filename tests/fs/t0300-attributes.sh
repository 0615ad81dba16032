#!/bin/bash
# t0300-attributes.sh — params, limits, annotations, kind and main edited with echo.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
H=$FAAS/actions/hello

test_expect_success 'setup' '
	py hello "{\"greeting\": args.get(\"greeting\", \"Hello\") + \" \" + args.get(\"name\", \"world\")}" &&
	cp hello.py "$FAAS/actions/" &&
	test "$(cat $H/params)" = "{}"
'

test_expect_success 'echo sets params, cat reads them, the action gets them' '
	echo "{\"greeting\":\"Howdy\",\"name\":\"Pat\"}" >"$H/params" &&
	test "$(cat $H/params)" = "{\"greeting\":\"Howdy\",\"name\":\"Pat\"}" &&
	test "$(rest GET actions/hello | jq -c .parameters)" = "[{\"key\":\"greeting\",\"value\":\"Howdy\"},{\"key\":\"name\",\"value\":\"Pat\"}]" &&
	test "$(cat $H/invoke)" = "{\"greeting\":\"Howdy Pat\"}"
'

test_expect_success 'a parameter bound for init stays so when params are rewritten' '
	rest PUT "actions/hello?overwrite=true" "{\"exec\":{\"kind\":\"python:3\",\"code\":$(jq -Rs . hello.py)},\"parameters\":[{\"key\":\"token\",\"value\":\"s3\",\"init\":true},{\"key\":\"name\",\"value\":\"Al\"}]}" >/dev/null &&
	within 10 "test \"\$(jq -r .token $H/params)\" = s3" &&
	echo "{\"token\":\"s4\",\"name\":\"Pat\"}" >"$H/params" &&
	test "$(rest GET actions/hello | jq -c .parameters)" = "[{\"key\":\"token\",\"value\":\"s4\",\"init\":true},{\"key\":\"name\",\"value\":\"Pat\"}]"
'

test_expect_success 'invalid params fail the echo, keep the old ones, and err says why' '
	v=$(cat $H/version) &&
	! echo "{\"greeting\" \"x\"}" >"$H/params" 2>e.out &&
	grep -q "Invalid argument" e.out &&
	! echo "[1,2]" >"$H/params" 2>/dev/null &&
	test "$(cat $H/version)" = "$v" &&
	grep -q "write actions/hello/params: bad JSON" "$FAAS/err" &&
	tail -n 1 "$FAAS/err" | grep -q "want a JSON object"
'

test_expect_success 'an editor'"'"'s save (scratch file renamed over params) commits it' '
	echo "{\"greeting\":\"Yo\",\"name\":\"Ed\"}" >"$H/.params.swp" &&
	mv "$H/.params.swp" "$H/params" &&
	test "$(cat $H/invoke)" = "{\"greeting\":\"Yo Ed\"}" &&
	echo "{broken" >"$H/.params.swp" &&
	! mv "$H/.params.swp" "$H/params" 2>/dev/null &&
	test "$(jq -r .name $H/params)" = Ed
'

test_expect_success 'limits read as key value lines' '
	printf "timeout 60s\nmemory 256M\nlogs 10M\nconcurrency 1\n" >expect &&
	test_cmp expect "$H/limits"
'

test_expect_success 'echo changes one limit, the others stay' '
	echo "timeout 30s" >"$H/limits" &&
	printf "timeout 30s\nmemory 256M\nlogs 10M\nconcurrency 1\n" >expect &&
	test_cmp expect "$H/limits" &&
	test "$(rest GET actions/hello | jq .limits.timeout)" = 30000 &&
	printf "memory 512M\ntimeout 1500ms\n" >"$H/limits" &&
	test "$(rest GET actions/hello | jq -c "[.limits.memory, .limits.timeout]")" = "[512,1500]"
'

test_expect_success '>> appends to what is there' '
	echo "logs 5M" >>"$H/limits" &&
	grep -qx "logs 5M" "$H/limits" && grep -qx "memory 512M" "$H/limits"
'

test_expect_success 'an invalid limit fails the echo, with the reason in err' '
	! echo "memory 9999M" >"$H/limits" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "memory 9999M is out of range" &&
	! echo "speed 11" >"$H/limits" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "unknown limit .speed." &&
	! echo "timeout soon" >"$H/limits" 2>/dev/null &&
	test "$(rest GET actions/hello | jq .limits.memory)" = 512
'

test_expect_success 'annotations: set, read, removed by leaving them out' '
	echo "{\"web-export\":true,\"note\":\"x\"}" >"$H/annotations" &&
	test "$(jq -c "{w: .[\"web-export\"], n: .note}" $H/annotations)" = "{\"w\":true,\"n\":\"x\"}" &&
	echo "{\"note\":\"y\"}" >"$H/annotations" &&
	test "$(jq -c "[.note, .[\"web-export\"]]" $H/annotations)" = "[\"y\",null]" &&
	! echo "{oops}" >"$H/annotations" 2>/dev/null
'

test_expect_success 'main and kind are one line each' '
	printf "def main(args):\n    return {\"via\": \"main\"}\ndef hi(args):\n    return {\"via\": \"hi\"}\n" >"$H/code" &&
	test "$(cat $H/main)" = main &&
	test "$(cat $H/invoke)" = "{\"via\":\"main\"}" &&
	echo hi >"$H/main" &&
	test "$(cat $H/main)" = hi &&
	test "$(cat $H/invoke)" = "{\"via\":\"hi\"}" &&
	test "$(cat $H/kind)" = python:3
'

test_expect_success 'read-only files refuse writes' '
	! echo 9.9.9 >"$H/version" 2>/dev/null &&
	! echo x >"$FAAS/status" 2>/dev/null
'

test_expect_success 'ctl: sync is ok, an unknown command fails, the reply reads back' '
	echo sync >"$FAAS/ctl" &&
	! echo frobnicate >"$FAAS/ctl" 2>/dev/null &&
	exec 3<>"$FAAS/ctl" && printf "bogus\n" >&3 2>/dev/null; read -r reply <&3; exec 3>&- &&
	test "$reply" = "error ctl: unknown command '"'"'bogus'"'"' (sync)"
'

test_expect_success 'err: > clears the errors of the writer' '
	test -s "$FAAS/err" &&
	: >"$FAAS/err" &&
	! test -s "$FAAS/err" &&
	! echo "{" >"$H/limits" 2>/dev/null &&
	test "$(wc -l <$FAAS/err)" = 1 &&
	echo >"$FAAS/err" && ! test -s "$FAAS/err"
'

test_done

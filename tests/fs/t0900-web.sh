#!/bin/bash
# t0900-web.sh — web actions in the tree: actions/NAME/web turns one on, actions/NAME/url is where curl finds it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'a new action is not a web action; its url says where it would be' '
	printf "def main(a):\n    return {\"body\": \"<b>%%s</b>\" %% a.get(\"who\", \"web\")}\n" >page.py &&
	cp page.py "$A/" &&
	test "$(cat $A/page/web)" = false &&
	test "$(cat $A/page/url)" = "http://127.0.0.1:$BPORT/api/v1/web/guest/default/page" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat $A/page/url)")" = 404
'

test_expect_success 'echo true >web exports it, as wsk --web true does; curl the url' '
	echo true >"$A/page/web" &&
	test "$(cat $A/page/web)" = true &&
	test "$(jq -c "[.\"web-export\", .final, .\"raw-http\"]" "$A/page/annotations")" = "[true,true,false]" &&
	test "$(curl -s "$(cat $A/page/url)?who=fs")" = "<b>fs</b>"
'

test_expect_success 'raw and false; what REST sets shows at once' '
	echo raw >"$A/page/web" &&
	test "$(cat $A/page/web)" = raw &&
	test "$(rest GET actions/page | jq -c "[.annotations[] | select(.key == \"raw-http\") | .value]")" = "[true]" &&
	echo false >"$A/page/web" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat $A/page/url)")" = 404 &&
	rest PUT "actions/page?overwrite=true" "{\"annotations\":[{\"key\":\"web-export\",\"value\":true}]}" >/dev/null &&
	test "$(cat $A/page/web)" = true
'

test_expect_success 'anything else fails the write with EINVAL, changes nothing, and err says why' '
	v=$(cat $A/page/version) &&
	! echo maybe >"$A/page/web" 2>e.out &&
	grep -q "Invalid argument" e.out &&
	test "$(cat $A/page/version)" = "$v" &&
	test "$(cat $A/page/web)" = true &&
	tail -n 1 "$FAAS/err" | grep -q "web: want true, raw or false, got .maybe."
'

test_expect_success 'an action in a package has its package in the url; url is read-only' '
	mkdir "$FAAS/packages/site" &&
	cp page.py "$FAAS/packages/site/actions/" &&
	echo true >"$FAAS/packages/site/actions/page/web" &&
	test "$(cat $FAAS/packages/site/actions/page/url)" = "http://127.0.0.1:$BPORT/api/v1/web/guest/site/page" &&
	test "$(curl -s "$(cat $FAAS/packages/site/actions/page/url)")" = "<b>web</b>" &&
	! echo x >"$A/page/url" 2>/dev/null
'

test_done

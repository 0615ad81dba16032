#!/bin/bash
# t0100-actions.sh — actions as files: cp creates and updates, cat reads, rm deletes, editors edit.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'cp hello.py, hello.js, hello.sh and a binary make four actions of the right kinds' '
	py hello "{\"greeting\": \"Hello \" + args.get(\"name\", \"world\")}" &&
	printf "function main(p) { return {js: p.name || \"nobody\"}; }\n" >hellojs.js &&
	printf "#!/bin/bash\necho \"{\\\\\"sh\\\\\": \\\\\"ok\\\\\"}\"\n" >hellosh.sh &&
	printf "#include <stdio.h>\nint main(void) { puts(\"{\\\\\"native\\\\\": 1}\"); return 0; }\n" >bin.c &&
	cc -o hellobin bin.c &&
	cp hello.py hellojs.js hellosh.sh hellobin "$A/" &&
	ls "$A" >ls.out &&
	printf "hello\nhellobin\nhellojs\nhellosh\n" >ls.expect &&
	test_cmp ls.expect ls.out &&
	test "$(cat $A/hello/kind)" = python:3 &&
	test "$(cat $A/hellojs/kind)" = $NODE_KIND &&
	test "$(cat $A/hellosh/kind)" = bash &&
	test "$(cat $A/hellobin/kind)" = native &&
	test "$(rest GET actions/hellobin | jq -r .exec.binary)" = true
'

test_expect_success 'each runs' '
	test "$(cat $A/hello/invoke)" = "{\"greeting\":\"Hello world\"}" &&
	test "$(cat $A/hellojs/invoke)" = "{\"js\":\"nobody\"}" &&
	test "$(cat $A/hellosh/invoke)" = "{\"sh\":\"ok\"}" &&
	test "$(cat $A/hellobin/invoke)" = "{\"native\":1}"
'

test_expect_success 'cat gives the code back, byte for byte, binary too' '
	cmp hello.py "$A/hello/code" &&
	cmp hello.py "$A/hello.py" &&
	cmp hellobin "$A/hellobin/code"
'

test_expect_success 'a second cp updates the action and bumps its version' '
	test "$(cat $A/hello/version)" = 0.0.1 &&
	py hello "{\"greeting\": \"Hi \" + args.get(\"name\", \"world\")}" &&
	cp hello.py "$A/" &&
	test "$(cat $A/hello/version)" = 0.0.2 &&
	cmp hello.py "$A/hello/code" &&
	test "$(cat $A/hello/invoke)" = "{\"greeting\":\"Hi world\"}"
'

test_expect_success 'ls -l shows the size of the code and the time of the last update' '
	ls -l "$A/hello/code" >l.out &&
	test "$(awk "{print \$5}" l.out)" = "$(wc -c <hello.py)" &&
	now=$(date +%s) && mtime=$(stat -c %Y "$A/hello") &&
	test $((now - mtime)) -lt 60 &&
	test "$(stat -c %s "$A/hello/version")" = 6
'

test_expect_success 'sed -i edits the code' '
	sed -i "s/Hi /Hey /" "$A/hello/code" &&
	test "$(cat $A/hello/version)" = 0.0.3 &&
	grep -q "Hey " "$A/hello/code" &&
	test "$(cat $A/hello/invoke)" = "{\"greeting\":\"Hey world\"}"
'

test_expect_success 'sed -i on NAME.EXT edits the code' '
	sed -i "s/Hey /Yo /" "$A/hello.py" &&
	test "$(cat $A/hello/invoke)" = "{\"greeting\":\"Yo world\"}" &&
	ls -a "$A" >ls.out && ! grep -q "^sed" ls.out
'

test_expect_success '>> appends to the code' '
	cp "$A/hello/code" before.py &&
	echo "# the end" >>"$A/hello/code" &&
	cat before.py >expect && echo "# the end" >>expect &&
	test_cmp expect "$A/hello/code"
'

test_expect_success 'writing a scratch file and renaming it over the code commits it' '
	py hello "{\"v\": 4}" &&
	cp hello.py "$A/.hello.py.tmp" &&
	mv "$A/.hello.py.tmp" "$A/hello.py" &&
	test "$(cat $A/hello/invoke)" = "{\"v\":4}" &&
	py hello "{\"v\": 5}" &&
	cat hello.py >"$A/hello/.code.swp" &&
	mv "$A/hello/.code.swp" "$A/hello/code" &&
	test "$(cat $A/hello/invoke)" = "{\"v\":5}" &&
	! test -e "$A/hello/.code.swp"
'

test_expect_success 'a syntax error fails cp at close, and err says why' '
	printf "def main(args:\n    return 1\n" >broken.py &&
	! cp broken.py "$A/" 2>cp.err &&
	grep -q "failed to close" cp.err &&
	grep -q "close actions/broken.py: init failed" "$FAAS/err" &&
	grep -q "	SyntaxError" "$FAAS/err" &&
	! test -e "$A/broken" && ! test -e "$A/broken.py" &&
	! rest GET actions/broken | jq -e .exec
'

test_expect_success 'a syntax error in an update keeps the old code, and the action err says why' '
	v=$(cat $A/hello/version) &&
	! cp broken.py "$A/hello.py" 2>/dev/null &&
	test "$(cat $A/hello/version)" = "$v" &&
	grep -q SyntaxError "$A/hello/err" &&
	test "$(cat $A/hello/invoke)" = "{\"v\":5}"
'

test_expect_success 'rm NAME.EXT and rm -r NAME delete actions' '
	rm "$A/hellojs.js" &&
	rm -r "$A/hellosh" &&
	! test -e "$A/hellosh" &&
	within 10 "! test -e $A/hellojs" &&
	test "$(rest GET actions/hellojs | jq -r .error)" = "The requested resource does not exist." &&
	ls "$A" >ls.out && ! grep -q hellojs ls.out
'

test_expect_success 'mv NAME.EXT NEW.EXT moves an action (by copying it)' '
	mv "$A/hello.py" "$A/moved.py" &&
	test "$(cat $A/moved/invoke)" = "{\"v\":5}" &&
	within 10 "! test -e $A/hello"
'

test_expect_success 'mv of a scratch file to a new NAME.EXT makes the action' '
	py fresh "{\"fresh\": 1}" &&
	cp fresh.py "$A/.fresh.tmp" &&
	mv "$A/.fresh.tmp" "$A/fresh.py" &&
	test "$(cat $A/fresh/invoke)" = "{\"fresh\":1}"
'

test_expect_success 'an action made through REST shows, and its code reads' '
	rest PUT actions/fromrest "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a):\\n    return {}\\n\"}}" >/dev/null &&
	within 10 "test -d $A/fromrest" &&
	grep -q "def main" "$A/fromrest/code"
'

test_done

#!/bin/bash
# t0420-sequences.sh — sequences as text: NAME.sequence is its components, one a line; made, read, edited, invoked.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'setup: two actions and a package action' '
	py inc "{\"n\": args.get(\"n\", 0) + 1}" &&
	py dbl "{\"n\": args.get(\"n\", 0) * 2}" &&
	cp inc.py dbl.py "$A/" &&
	mkdir "$FAAS/packages/p" &&
	cp inc.py "$FAAS/packages/p/actions/" &&
	test -d "$A/dbl"
'

test_expect_success 'one line of shell makes a sequence' '
	printf "inc\ndbl\n" >"$A/incdbl.sequence" &&
	test "$(cat $A/incdbl/kind)" = sequence &&
	test "$(rest GET actions/incdbl | jq -c .exec.components)" = "[\"/guest/inc\",\"/guest/dbl\"]"
'

test_expect_success 'it is invoked like any action' '
	{ echo "{\"n\":4}" >&3; cat <&3; } 3<>"$A/incdbl/invoke" >out &&
	test "$(cat out)" = "{\"n\":10}"
'

test_expect_success 'its components read as the text they were written as, in both names' '
	printf "inc\ndbl\n" >expect &&
	test_cmp expect "$A/incdbl/code" &&
	test_cmp expect "$A/incdbl.sequence" &&
	test "$(stat -c %s $A/incdbl/code)" = "$(wc -c <expect)"
'

test_expect_success 'edited as text: sed -i, >>, a package action and a fully qualified one' '
	sed -i "s/^dbl$/p\/inc/" "$A/incdbl/code" &&
	echo "/guest/dbl" >>"$A/incdbl.sequence" &&
	printf "inc\np/inc\ndbl\n" >expect &&
	test_cmp expect "$A/incdbl/code" &&
	test "$(cat $A/incdbl/version)" = 0.0.3 &&
	{ echo "{\"n\":1}" >&3; cat <&3; } 3<>"$A/incdbl/invoke" >out &&
	test "$(cat out)" = "{\"n\":6}"
'

test_expect_success 'blank lines and # comments are skipped' '
	printf "# twice\ninc\n\n  inc  \n" >"$A/twice.sequence" &&
	test "$(printf "inc\ninc\n")" = "$(cat $A/twice/code)" &&
	test "$(cat $A/twice/invoke)" = "{\"n\":2}"
'

test_expect_success 'a sequence made through REST reads the same' '
	rest PUT actions/fromrest "{\"exec\":{\"kind\":\"sequence\",\"components\":[\"/guest/p/inc\",\"/_/dbl\"]}}" >/dev/null &&
	within 10 "test -d $A/fromrest" &&
	test "$(printf "p/inc\ndbl\n")" = "$(cat $A/fromrest/code)"
'

test_expect_success 'a missing component fails the write, err says why, nothing changes' '
	echo nope >nope.sequence &&
	! cp nope.sequence "$A/incdbl.sequence" 2>w.err &&
	tail -n 1 "$FAAS/err" >e.out &&
	grep -q "does not exist: /guest/nope" e.out &&
	printf "inc\np/inc\ndbl\n" >expect &&
	test_cmp expect "$A/incdbl/code"
'

test_expect_success 'so does an empty list; nothing is made' '
	printf "\n# nothing\n" >empty.sequence &&
	! cp empty.sequence "$A/" 2>w.err &&
	tail -n 1 "$FAAS/err" >e.out &&
	grep -q "sequence: no components" e.out &&
	! test -e "$A/empty"
'

test_expect_success 'and two names on a line' '
	printf "inc dbl\n" >two.sequence &&
	! cp two.sequence "$A/incdbl/code" 2>w.err &&
	tail -n 1 "$FAAS/err" >e.out &&
	grep -q "one action name a line" e.out
'

test_expect_success 'rm NAME.sequence deletes it' '
	rm "$A/twice.sequence" &&
	within 10 "! test -e $A/twice" &&
	rest GET actions/twice | jq -e .error >/dev/null
'

test_done

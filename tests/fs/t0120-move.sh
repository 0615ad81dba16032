#!/bin/bash
# t0120-move.sh — what a write can tell fails the write; mv of an action keeps all it has.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

# all NAME: an action's parameters (init flags too), annotations but exec, limits, main and code, as REST has them.
all() { rest GET "actions/$1" | jq -c "[.parameters, (.annotations|from_entries|del(.exec, .[\"provide-api-key\"])), .limits, .exec.main, .exec.code]"; }

test_expect_success 'setup: an action with parameters (one init), annotations, limits, main; a rule and a sequence on it' '
	printf "def main(a):\n    return {}\ndef hi(a):\n    return {\"hi\": a.get(\"name\")}\n" >a.py && cp a.py "$A/" &&
	echo hi >"$A/a/main" &&
	rest PUT "actions/a?overwrite=true" "{\"parameters\":[{\"key\":\"name\",\"value\":\"Ann\"},{\"key\":\"TOKEN\",\"value\":\"t\",\"init\":true}]}" >/dev/null &&
	echo "{\"note\":\"keep\"}" >"$A/a/annotations" &&
	printf "timeout 5s\nmemory 128\n" >"$A/a/limits" &&
	touch "$FAAS/triggers/t" && echo "t a" >"$FAAS/rules/r" &&
	rest PUT actions/s "{\"exec\":{\"kind\":\"sequence\",\"components\":[\"/guest/a\"]}}" >/dev/null &&
	within 20 "test -d $A/s" &&
	all a >before && test "$(jq -r ".[0][1].init" before)" = true
'

test_expect_success 'echo sequence > kind fails at the write, EINVAL, and err says why' '
	! echo sequence >"$A/a/kind" 2>w.err &&
	grep -q "Invalid argument" w.err &&
	tail -n 1 "$FAAS/err" | grep -q "kind: an action becomes a sequence only with its components" &&
	! echo "python:3 extra" >"$A/a/kind" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "kind: one word on one line" &&
	! echo python:3 >"$A/s/kind" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "a sequence has no code" &&
	test "$(cat $A/a/kind)" = python:3
'

test_expect_success 'mv a.py b.py keeps its parameters, limits, annotations and main; the rule and the sequence follow' '
	mv "$A/a.py" "$A/b.py" &&
	! test -e "$A/a.py" && test -f "$A/b.py" && test -d "$A/b" &&
	within 10 "! test -e $A/a" &&
	test "$(rest GET actions/a | jq -r .error)" = "The requested resource does not exist." &&
	all b >after && test_cmp before after &&
	test "$(cat $A/b/invoke)" = "{\"hi\":\"Ann\"}" &&
	grep -qx "action b" "$FAAS/rules/r" && grep -qx "status active" "$FAAS/rules/r" &&
	test "$(rest GET actions/s | jq -c .exec.components)" = "[\"/guest/b\"]" &&
	test "$(cat $A/s/invoke)" = "{\"hi\":\"Ann\"}"
'

test_expect_success 'mv of an action'"'"'s directory renames it, keeping everything' '
	mv "$A/b" "$A/c" &&
	! test -e "$A/b" && test -d "$A/c" && test -f "$A/c/params" && test -f "$A/c.py" &&
	all c >after && test_cmp before after &&
	grep -qx "action c" "$FAAS/rules/r" &&
	test "$(cat $A/c/invoke)" = "{\"hi\":\"Ann\"}"
'

test_expect_success 'mv into a package moves it there' '
	mkdir "$FAAS/packages/p" &&
	mv "$A/c" "$FAAS/packages/p/actions/c" &&
	! test -e "$A/c" &&
	all p/c >after && test_cmp before after &&
	grep -qx "action p/c" "$FAAS/rules/r"
'

test_expect_success 'mv onto an action that exists is refused, and err says why; nothing moves' '
	py other "{}" && cp other.py "$A/" &&
	! mv -T "$FAAS/packages/p/actions/c" "$A/other" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "an action of that name exists" &&
	test -d "$FAAS/packages/p/actions/c" && test "$(cat $A/other/invoke)" = "{}"
'

test_done

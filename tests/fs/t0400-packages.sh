#!/bin/bash
# t0400-packages.sh — packages: mkdir, parameters inherited, bindings, rmdir.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
P=$FAAS/packages

test_expect_success 'mkdir makes a package' '
	mkdir "$P/utils" &&
	test "$(rest GET packages/utils | jq -r .name)" = utils &&
	ls "$P/utils" >ls.out &&
	printf "actions\nannotations\nbinding\nerr\nparams\nsecrets\n" >expect &&
	test_cmp expect ls.out
'

test_expect_success 'an action in a package gets the package parameters' '
	echo "{\"greeting\":\"Hola\",\"name\":\"pkg\"}" >"$P/utils/params" &&
	py greet "{\"g\": args.get(\"greeting\"), \"n\": args.get(\"name\")}" &&
	cp greet.py "$P/utils/actions/" &&
	test "$(rest GET actions/utils/greet | jq -r .namespace)" = guest/utils &&
	test "$(cat $P/utils/actions/greet/invoke)" = "{\"g\":\"Hola\",\"n\":\"pkg\"}" &&
	echo "{\"name\":\"own\"}" >"$P/utils/actions/greet/params" &&
	test "$(cat $P/utils/actions/greet/invoke)" = "{\"g\":\"Hola\",\"n\":\"own\"}" &&
	ls "$FAAS/actions" >top.out && ! grep -q greet top.out
'

test_expect_success 'a binding: its actions run with the binding parameters' '
	mkdir "$P/spanish" &&
	echo /guest/utils >"$P/spanish/binding" &&
	test "$(cat $P/spanish/binding)" = /guest/utils &&
	echo "{\"greeting\":\"Buenas\"}" >"$P/spanish/params" &&
	ls "$P/spanish/actions" >ls.out && grep -qx greet ls.out &&
	test "$(cat $P/spanish/actions/greet/invoke)" = "{\"g\":\"Buenas\",\"n\":\"own\"}"
'

test_expect_success 'a binding that cannot be fails the write itself, and err says why' '
	! echo /guest/nosuch >"$P/spanish/binding" 2>w.err &&
	grep -q "No such file" w.err &&
	tail -n 1 "$FAAS/err" | grep -q "binding: no package .nosuch." &&
	! echo spanish >"$P/spanish/binding" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "binding: a package cannot bind itself" &&
	mkdir "$P/again" &&
	! echo spanish >"$P/again/binding" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "binding: .spanish. is a binding itself: bind the package it binds, utils" &&
	rmdir "$P/again" &&
	test "$(cat $P/spanish/binding)" = /guest/utils
'

test_expect_success 'rmdir of a package with actions is refused, and err says why' '
	! rmdir "$P/utils" 2>r.err &&
	grep -q "Directory not empty" r.err &&
	tail -n 1 "$FAAS/err" | grep -q "package utils is not empty" &&
	test -d "$P/utils"
'

test_expect_success 'rmdir of an empty package, rm -r of a full one' '
	rmdir "$P/spanish" &&
	! test -e "$P/spanish" &&
	rm -r "$P/utils" &&
	! test -e "$P/utils" &&
	test "$(rest GET packages/utils | jq -r .error)" = "The requested resource does not exist." &&
	test "$(rest GET actions/utils/greet | jq -r .error)" = "The requested resource does not exist."
'

test_expect_success 'mkdir elsewhere is refused with a reason' '
	! mkdir "$FAAS/triggers/newdir" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "only packages/, actions/ and an action.s src/ take new directories"
'

test_done

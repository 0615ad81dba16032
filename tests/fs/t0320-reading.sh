#!/bin/bash
# t0320-reading.sh — the tree read as a whole: grep -r as faasfs(4) gives it, and every file's size is what a read gives.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'setup: an action never invoked, one invoked, a package, a trigger, a rule' '
	py quiet "{\"greeting\": \"never\"}" && cp quiet.py "$A/" &&
	py loud "{\"greeting\": args.get(\"name\")}" && cp loud.py "$A/" &&
	echo "{\"name\":\"Ann\"}" >"$A/loud/params" &&
	test "$(cat $A/loud/invoke)" = "{\"greeting\":\"Ann\"}" &&
	mkdir "$FAAS/packages/p" && touch "$FAAS/triggers/t" && echo "t loud" >"$FAAS/rules/r"
'

test_expect_success 'grep -r --exclude=invoke --exclude=stream over the tree works (it opens O_NONBLOCK)' '
	grep -r greeting "$A" --exclude=invoke --exclude=stream >grep.out; rc=$? &&
	test $rc = 0 &&
	grep -q "^$A/quiet/code:" grep.out &&
	grep -q "^$A/loud/result:{\"greeting\":\"Ann\"}" grep.out &&
	grep -r -l . "$FAAS" --exclude=invoke --exclude=stream >all.out &&
	grep -qx "$FAAS/manifest.yaml" all.out
'

test_expect_success 'a non-blocking read of a result not yet fetched waits for the fetch, not EAGAIN (none: empty)' '
	mount_stop && mount_start &&
	/usr/bin/python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
sys.stdout.write(os.read(fd, 4096).decode())" "$A/quiet/result" >r.out &&
	test "$(cat r.out)" = ""
'

# size FILE: stat's size, and what a read gives: the two agree.
same_size() { test "$(stat -c %s "$1")" = "$(cat "$1" | wc -c)" || { echo "$1: stat $(stat -c %s "$1"), read $(cat "$1" | wc -c)"; return 1; }; }

test_expect_success 'every file stats as the size a read gives: result and manifest.yaml too' '
	mount_stop && mount_start &&
	same_size "$A/loud/result" && test "$(stat -c %s $A/loud/result)" -gt 0 &&
	same_size "$A/quiet/result" && test "$(stat -c %s $A/quiet/result)" = 0 &&
	same_size "$FAAS/manifest.yaml" && test "$(stat -c %s $FAAS/manifest.yaml)" -gt 100 &&
	for f in $(find "$FAAS" -type f ! -name invoke ! -name stream ! -name log ! -name ctl); do same_size "$f" || exit 1; done
'

test_done

#!/bin/bash
# t0600-activations.sh — activations: tail -f log, the blocking stream, ID files, killed readers.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
V=$FAAS/activations

# follows FILE SECONDS TEXT JSON: `tail -f FILE` shows TEXT within SECONDS
# of JSON being written to actions/act/invoke.
follows() {
	tail -n 0 -f "$1" >tail.out 2>/dev/null &
	local tailpid=$! rc
	wait_for "has_open $tailpid $1" 400 || { say "tail -f never opened $1"; kill $tailpid; return 1; }
	echo "$4" >"$FAAS/actions/act/invoke"
	within "$2" "grep -q \"$3\" tail.out"; rc=$?
	kill $tailpid; wait $tailpid 2>/dev/null
	return $rc
}

test_expect_success 'setup' '
	printf "def main(args):\n    print(\"log from\", args.get(\"n\"))\n    return {\"n\": args.get(\"n\")}\n" >act.py &&
	cp act.py "$FAAS/actions/"
'

test_expect_success 'tail -f activations/log shows a new activation' '
	follows "$V/log" 10 " act success" "{\"n\":1}"
'

test_expect_success 'the log grows honestly: its size is its length' '
	test "$(stat -c %s $V/log)" = "$(cat $V/log | wc -c)" &&
	test "$(wc -l <$V/log)" = 1
'

test_expect_success 'head -n1 activations/stream returns the next activation' '
	head -n 1 "$V/stream" >next.out 2>next.err &
	headpid=$! &&
	wait_for "has_open $headpid $V/stream" 400 &&
	echo "{\"n\":2}" >"$FAAS/actions/act/invoke" &&
	wait $headpid &&
	test "$(jq -c .response.result next.out)" = "{\"n\":2}" &&
	test ! -s next.err
'

test_expect_success 'ID/result, ID/logs, ID/record and the others' '
	id=$(jq -r .activationId next.out) &&
	test -d "$V/$id" &&
	test "$(cat $V/$id/result)" = "{\"n\":2}" &&
	grep -q "stdout: log from 2" "$V/$id/logs" &&
	test "$(jq -r .activationId $V/$id/record)" = "$id" &&
	test "$(cat $V/$id/status)" = success &&
	test "$(cat $V/$id/name)" = act &&
	test "$(cat $V/$id/duration)" -ge 0 &&
	ls "$V" >ls.out && grep -qx "$id" ls.out
'

test_expect_success 'an activation made through REST is there by its id' '
	id=$(rest POST "actions/act?blocking=true" "{\"n\":3}" | jq -r .activationId) &&
	test "$(cat $V/$id/result)" = "{\"n\":3}"
'

# dead PID: PID is gone or a zombie (not stuck in a read).
dead() { s=$(cut -d" " -f3 /proc/$1/stat 2>/dev/null); test -z "$s" || test "$s" = Z; }

# No activation comes: a cat that died only with the stream's next line
# would never die.
test_expect_success 'cat of the stream, killed, dies at once' '
	cat "$V/stream" >/dev/null &
	catpid=$! &&
	wait_for "has_open $catpid $V/stream" 400 &&
	kill -9 $catpid &&
	{ wait_for "dead $catpid" 400 ||
		{ say "cat lives on 20 s after kill -9, in $(cat /proc/$catpid/wchan)"; false; }; } &&
	{ wait $catpid 2>/dev/null; true; }
'

test_expect_success 'a stream read with nothing there and O_NONBLOCK gives EAGAIN' '
	! dd if="$V/stream" iflag=nonblock bs=4096 count=1 of=/dev/null 2>dd.err &&
	grep -q "Resource temporarily unavailable" dd.err
'

test_expect_success 'poll says when the stream has something' '
	exec 3<"$V/stream" &&
	! read -t 0 -u 3 &&
	echo "{\"n\":9}" >"$FAAS/actions/act/invoke" &&
	within 20 "read -t 0 -u 3" &&
	read -r line <&3 && exec 3<&- &&
	test "$(echo "$line" | jq .response.result.n)" = 9
'

test_expect_success 'many readers of the stream each see every activation' '
	head -n 2 "$V/stream" >s1 & p1=$!
	head -n 2 "$V/stream" >s2 & p2=$!
	wait_for "has_open $p1 $V/stream && has_open $p2 $V/stream" 400 &&
	echo "{\"n\":4}" >"$FAAS/actions/act/invoke" &&
	echo "{\"n\":5}" >"$FAAS/actions/act/invoke" &&
	wait $p1 $p2 &&
	test "$(jq -s -c "map(.response.result.n) | sort" s1)" = "[4,5]" &&
	test "$(jq -s -c "map(.response.result.n) | sort" s2)" = "[4,5]"
'

test_expect_success 'an action'"'"'s logs file has its activations'"'"' logs, and tail -f follows it' '
	grep -q "log from 5" "$FAAS/actions/act/logs" &&
	follows "$FAAS/actions/act/logs" 10 "log from 77" "{\"n\":77}"
'

test_expect_success 'an action'"'"'s activations/ links to its activations' '
	ls "$FAAS/actions/act/activations" >links &&
	test "$(wc -l <links)" -ge 5 &&
	id=$(tail -n 1 links) &&
	test "$(readlink $FAAS/actions/act/activations/$id)" = "../../../activations/$id" &&
	test "$(jq -r .activationId $FAAS/actions/act/activations/$id/record)" = "$id"
'

test_done

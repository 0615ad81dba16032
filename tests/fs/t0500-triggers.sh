#!/bin/bash
# t0500-triggers.sh — triggers and rules: touch, echo fires, rules wire them, one to many, many to one.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
T=$FAAS/triggers
R=$FAAS/rules
LOG=$FAAS/activations/log

# ran ACTION N: the log shows N activations of ACTION
ran() { test "$(grep -c " $1 success" "$LOG")" -eq "$2"; }

test_expect_success 'setup: three actions' '
	for a in alert audit collect; do py $a "{\"who\": \"$a\", \"t\": args.get(\"t\"), \"body\": args.get(\"__ow_body\")}"; done &&
	cp alert.py audit.py collect.py "$FAAS/actions/"
'

test_expect_success 'touch makes a trigger; cat describes it' '
	touch "$T/hot" &&
	test "$(rest GET triggers/hot | jq -r .name)" = hot &&
	ls "$T" >ls.out && grep -qx hot ls.out &&
	grep -q "^params {}" "$T/hot"
'

test_expect_success 'echo > rules/r1 wires trigger to action; cat reads it back' '
	echo "hot alert" >"$R/r1" &&
	printf "trigger hot\naction alert\nstatus active\n" >expect &&
	test_cmp expect "$R/r1" &&
	test "$(rest GET rules/r1 | jq -r .action.name)" = alert &&
	grep -q "^rules r1" "$T/hot"
'

test_expect_success 'echo > trigger fires it; the rule runs the action with the event' '
	echo "{\"t\":1}" >"$T/hot" &&
	within 20 "ran alert 1" &&
	id=$(sed -n "s/^last //p" "$T/hot") &&
	test "$(jq -r .response.result.t $FAAS/activations/$id/record)" = 1 &&
	test "$(cat $FAAS/actions/alert/result)" = "{\"who\":\"alert\",\"t\":1,\"body\":null}"
'

test_expect_success 'one trigger, two actions' '
	echo "hot audit" >"$R/r2" &&
	echo "{\"t\":2}" >"$T/hot" &&
	within 20 "ran alert 2 && ran audit 1"
'

test_expect_success 'two triggers, one action' '
	touch "$T/cold" "$T/warm" &&
	printf "trigger cold\naction collect\n" >"$R/c1" &&
	echo "warm collect" >"$R/c2" &&
	echo "{\"t\":3}" >"$T/cold" &&
	echo "{\"t\":4}" >"$T/warm" &&
	within 20 "ran collect 2" && ran alert 2
'

test_expect_success 'cat events.jsonl > trigger fires one event per line' '
	for i in 1 2 3 4 5; do echo "{\"t\":$((10 + i))}"; done >events.jsonl &&
	cat events.jsonl >"$T/cold" &&
	within 20 "ran collect 7" &&
	grep " collect success" "$LOG" | wc -l >n && test "$(cat n)" = 7
'

test_expect_success 'a write that is not JSON is one raw event' '
	echo "a,b,c" >"$T/warm" &&
	within 20 "ran collect 8" &&
	within 10 "grep -q a,b,c $FAAS/actions/collect/result"
'

test_expect_success 'bad JSON fails the echo, and err says why' '
	! echo "{\"t\" 1}" >"$T/hot" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "write triggers/hot: bad JSON"
'

test_expect_success 'a rule naming what does not exist fails the echo' '
	! echo "hot nosuch" >"$R/bad" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "no action .nosuch." &&
	! test -e "$R/bad" &&
	! echo "nowhere alert" >"$R/bad" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "no trigger .nowhere."
'

test_expect_success 'status inactive stops a rule, active starts it again' '
	echo "status inactive" >"$R/r2" &&
	grep -q "status inactive" "$R/r2" &&
	echo "{\"t\":5}" >"$T/hot" &&
	within 20 "ran alert 3" && ran audit 1 &&
	echo "status active" >"$R/r2" &&
	echo "{\"t\":6}" >"$T/hot" &&
	within 20 "ran audit 2"
'

test_expect_success 'mv renames a rule (by copying it)' '
	mv "$R/c2" "$R/c3" &&
	printf "trigger warm\naction collect\nstatus active\n" >expect &&
	test_cmp expect "$R/c3" &&
	within 10 "! test -e $R/c2"
'

test_expect_success 'rm deletes rules and triggers' '
	rm "$R/r1" "$R/r2" "$T/hot" &&
	! test -e "$T/hot" && ! test -e "$R/r1" &&
	test "$(rest GET triggers/hot | jq -r .error)" = "The requested resource does not exist." &&
	test "$(rest GET rules/r1 | jq -r .error)" = "The requested resource does not exist."
'

test_done

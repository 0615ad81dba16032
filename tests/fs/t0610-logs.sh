#!/bin/bash
# t0610-logs.sh — actions/NAME/logs: any read size costs what it reads, and it reads what the activations logged.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'setup: an action that logs 50,000 lines, run twice' '
	printf "def main(a):\n    for i in range(50000):\n        print(\"line %%d of %%s\" %% (i, a.get(\"run\")))\n    return {}\n" >chatty.py &&
	cp chatty.py "$A/" &&
	echo "{\"run\":1}" >"$A/chatty/params" && cat "$A/chatty/invoke" >/dev/null &&
	echo "{\"run\":2}" >"$A/chatty/params" && cat "$A/chatty/invoke" >/dev/null &&
	within 20 "test \$(ls $A/chatty/activations | wc -l) = 2"
'

# The log read 4 KiB at a time took 30 s before (each read made the whole
# text again): the bound below is a guard against that, two orders of
# magnitude above what a linear read takes, not a measure.
test_expect_success '4 KiB reads give the activations'"'"' logs, oldest first, and stat gives their size' '
	for id in $(ls "$A/chatty/activations"); do echo "$(cat $FAAS/activations/$id/start) $id"; done |
		sort -n | while read -r start id; do cat "$FAAS/activations/$id/logs"; done >want &&
	test "$(wc -l <want)" = 100000 &&
	timeout 30 dd if="$A/chatty/logs" bs=4096 of=got status=none &&
	test_cmp want got &&
	test "$(stat -c %s $A/chatty/logs)" = "$(stat -c %s want)"
'

test_expect_success 'so do 1-byte reads of the start, and a read from the middle' '
	timeout 30 dd if="$A/chatty/logs" bs=1 count=8192 of=head1 status=none &&
	head -c 8192 want >head2 && test_cmp head2 head1 &&
	timeout 30 dd if="$A/chatty/logs" bs=4096 skip=500 count=3 of=mid1 status=none &&
	dd if=want bs=4096 skip=500 count=3 of=mid2 status=none && test_cmp mid2 mid1
'

test_expect_success 'a new activation extends the log' '
	echo "{\"run\":3}" >"$A/chatty/params" && cat "$A/chatty/invoke" >/dev/null &&
	within 20 "test \$(wc -l <$A/chatty/logs) = 150000" &&
	tail -n 1 "$A/chatty/logs" | grep -q "line 49999 of 3$"
'

test_done

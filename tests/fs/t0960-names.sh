#!/bin/bash
# t0960-names.sh — a name the backend refuses fails the write, and err says why in full.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1

test_expect_success 'a name with a letter that is not ASCII: EINVAL, and err names the letter' '
	py "héllo" "{}" &&
	! cp héllo.py "$FAAS/actions/" 2>cp.err &&
	grep -q "Invalid argument" cp.err &&
	grep -q "close actions/héllo.py: The name .héllo. is not valid: the character .é. is not allowed" "$FAAS/err" &&
	! test -e "$FAAS/actions/héllo"
'

test_done

#!/bin/sh
# Log collection end to end: stdout and stderr lines stamped and tagged, the
# output of the code's import in the first activation only, each activation
# its own lines (the limit and its marker are in t0300).
. "$(dirname "$0")/backend-lib.sh"

start_backend

cat >talk.py <<'PY'
import sys
print("loading")
def main(args):
    print("out", args.get("n"))
    print("err", args.get("n"), file=sys.stderr)
    return {"n": args.get("n")}
PY

test_expect_success 'lines are stamped and tagged by stream; import output goes to the first activation' '
	put_action talk python:3 talk.py &&
	invoke talk "{\"n\":1}" >1.json &&
	invoke talk "{\"n\":2}" >2.json &&
	jq -r ".logs[]" 1.json >1.logs && jq -r ".logs[]" 2.json >2.logs &&
	cat 1.logs 2.logs &&
	grep -E "^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z stdout: loading$" 1.logs &&
	grep -E "Z stdout: out 1$" 1.logs && grep -E "Z stderr: err 1$" 1.logs &&
	test "$(wc -l <1.logs)" = 3 &&
	! grep loading 2.logs &&
	grep -E "Z stdout: out 2$" 2.logs && grep -E "Z stderr: err 2$" 2.logs &&
	test "$(wc -l <2.logs)" = 2
'

test_done

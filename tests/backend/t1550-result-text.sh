#!/bin/sh
# Results are text like any other: a string holding U+0000 is a result
# (JSON allows it), kept and read back whole. A lone surrogate in a
# parameter is refused by the API with the JSON error (the python launcher,
# which may get one straight from a proxy's caller, is tested in
# tests/proxy/t0100-python.sh).
. "$(dirname "$0")/backend-lib.sh"

start_backend
printf 'def main(args):\n    return {"s": "a\\u0000b", "t": args.get("t", "")}\n' >nul.py

test_expect_success 'a result with U+0000 in a string is the result, not "did not return a dictionary"' '
	put_action nul python:3 nul.py &&
	invoke nul >act.json &&
	jq -e ".response.status == \"success\" and .response.result.s == \"a\\u0000b\"" act.json
'

test_expect_success 'the record reads back the same from the store' '
	id=$(jq -r .activationId act.json) &&
	wait_for "curl -sf -u $AUTH $API/activations/$id >got.json" &&
	jq -e ".response.result.s == \"a\\u0000b\"" got.json
'

test_expect_success 'a lone surrogate in a parameter is a 400 with the JSON error; the next run works' '
	test "$(curl -s -o sur.json -w "%{http_code}" -u "$AUTH" -X POST -H "Content-Type: application/json" \
		-d "{\"t\":\"x\\ud800\"}" "$API/actions/nul?blocking=true")" = 400 &&
	jq -e ".error and .code" sur.json &&
	invoke nul "{\"t\":\"y\"}" >next.json &&
	jq -e ".response.result.t == \"y\"" next.json
'

test_done

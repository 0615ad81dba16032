#!/bin/sh
# Kind routing: the annotation exec-domain, else FAASFS_KIND_DOMAINS by kind
# or family, else the local domain.
. "$(dirname "$0")/backend-lib.sh"

export FAASFS_KIND_DOMAINS="bash=elsewhere python:3=local"
start_backend

printf 'def main(args):\n    return {"ok": True}\n' >ok.py
printf '#!/bin/bash\necho "{\\"ok\\": true}"\n' >ok.sh

test_expect_success 'a kind routed to the local domain runs' '
	put_action py python:3 ok.py &&
	invoke py >py.json &&
	test "$(field py.json .response.result.ok)" = true
'

test_expect_success 'a kind routed to a domain this backend lacks is refused, and said why' '
	put_action sh bash ok.sh &&
	code=$(curl -s -o sh.json -w "%{http_code}" -u "$AUTH" -X POST "$API/actions/sh?blocking=true") &&
	test "$code" -ge 500 &&
	grep "no execution domain elsewhere" backend.log
'

test_expect_success 'the annotation exec-domain wins over the kind' '
	put_action sh2 bash ok.sh "{\"annotations\":[{\"key\":\"exec-domain\",\"value\":\"local\"}]}" &&
	invoke sh2 >sh2.json &&
	test "$(field sh2.json .response.result.ok)" = true
'

test_done

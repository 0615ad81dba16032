#!/bin/bash
# The proxy as a Knative pod's entry point: the function from FAASFS_INIT with no /init, and a
# run's log lines in the answer on X-Faasfs-Logs: 1 (what the backend's knative domain relies on).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"

cat >fn.py <<'EOF'
import sys
def main(args):
    print("out", args.get("n"))
    print("err line", file=sys.stderr)
    sys.stdout.buffer.write(b"bytes \xff here\n")
    return {"n": args.get("n")}
EOF

FAASFS_INIT=$(jq -n --rawfile code fn.py '{kind: "python:3", code: $code}') proxy_start

test_expect_success 'FAASFS_INIT: the function runs with no /init' '
	test "$(post / -d "{\"value\":{\"n\":1}}")" = 200 &&
	test "$(jq -c . body)" = "{\"n\":1}"
'

test_expect_success 'an /init of the same code is answered at once; another is refused' '
	jq -n --rawfile code fn.py "{value: {kind: \"python:3\", code: \$code}}" >same.json &&
	test "$(post /init -d @same.json)" = 200 &&
	test "$(post /init -d "{\"value\":{\"kind\":\"python:3\",\"code\":\"def main(a): return {}\"}}")" = 403
'

test_expect_success 'X-Faasfs-Logs: 1 gets the run'"'"'s lines in the answer, stamped, as UTF-8' '
	curl -s -D headers -o body -H "X-Faasfs-Logs: 1" -d "{\"value\":{\"n\":2}}" "$URL/" &&
	grep -qi "^X-Faasfs-Logs: 1" headers &&
	test "$(jq -r .body body)" = "{\"n\":2}" &&
	jq -r ".logs[]" body | sed "s/^[^ ]* //" >lines &&
	grep -qx "stdout: out 2" lines &&
	grep -qx "stderr: err line" lines &&
	grep -qx "stdout: bytes ? here" lines &&
	jq -r ".logs[0]" body | grep -Eq "^20[0-9-]{8}T[0-9:]{8}\.[0-9]{6}Z stdout: "
'

test_expect_success 'without the header the answer is as ever, and the logs still reach stdout' '
	test "$(post / -d "{\"value\":{\"n\":3}}")" = 200 &&
	test "$(jq -c . body)" = "{\"n\":3}" &&
	wait_for "grep -qx \"out 3\" proxy.out"
'

test_expect_success 'a FAASFS_INIT that is no init object: the proxy says so and exits 1' '
	FAASFS_INIT="[1,2]" "$PROXY" --listen 127.0.0.1:0 >bad.out 2>bad.err;
	test $? = 1 &&
	grep -q "FAASFS_INIT is not an init object" bad.err
'

test_done

#!/bin/bash
# t0630-debug.sh — a failed activation's container held for inspection in the
# tree: actions/NAME/debug sets the annotation; activations/ID/debug/ is the
# held container's working directory (what the function wrote, proxy.log)
# until rm -r releases it; nothing of the kind for an action without it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

cat >broken.py <<'EOF'
import os
def main(a):
    os.makedirs("state", exist_ok=True)
    with open("state/at-failure.txt", "w") as f:
        f.write("the state at the failure: %s\n" % a.get("n"))
    if not os.path.lexists("escape"):
        os.symlink("/etc/hostname", "escape")
    print("about to fail", flush=True)
    raise RuntimeError("broken on purpose")
EOF

# fail NAME N: invoke NAME (which fails) with n=N, print its activation id
fail() { rest POST "actions/$1?blocking=true" "{\"n\": $2}" | jq -r .activationId; }
# held ID: the mount shows activations/ID/debug
held() { test -d "$FAAS/activations/$1/debug"; }
# state ID: what the function wrote where it ran (a folder of the working directory)
state() { cat "$(find "$FAAS/activations/$1/debug" -name at-failure.txt)"; }
# backend_held ID: the REST API has a held container for ID
backend_held() { test "$(curl -s -o /dev/null -w '%{http_code}' -u "$FAASFS_AUTH" "$API/activations/$1/debug")" = 200; }

test_expect_success 'debug reads false; echo true and seconds set the annotation' '
	cp broken.py "$A/" &&
	test "$(cat $A/broken/debug)" = false &&
	echo 30 >"$A/broken/debug" &&
	test "$(cat $A/broken/debug)" = 30 &&
	test "$(jq .debug "$A/broken/annotations")" = 30 &&
	echo true >"$A/broken/debug" &&
	test "$(cat $A/broken/debug)" = true &&
	test "$(rest GET actions/broken | jq -c "[.annotations[] | select(.key == \"debug\") | .value]")" = "[true]"
'

test_expect_success 'anything else fails the write with EINVAL, changes nothing, and err says why' '
	v=$(cat $A/broken/version) &&
	! echo maybe >"$A/broken/debug" 2>e.out &&
	grep -q "Invalid argument" e.out &&
	! echo 7200 >"$A/broken/debug" 2>/dev/null &&
	test "$(cat $A/broken/version)" = "$v" &&
	test "$(cat $A/broken/debug)" = true &&
	tail -n 1 "$FAAS/err" | grep -q "debug: want true, false or seconds from 1 to 3600, got .7200."
'

test_expect_success 'a failure is held: its working directory is readable under activations/ID/debug' '
	id=$(fail broken 1) && echo $id >id1 &&
	within 10 "held $id" &&
	ls "$FAAS/activations/$id" | grep -qx debug &&
	test "$(state $id)" = "the state at the failure: 1" &&
	test "$(stat -c %s "$(find "$FAAS/activations/$id/debug" -name at-failure.txt)")" = 28 &&
	grep -q "faasfs-proxy debug: " "$FAAS/activations/$id/debug/proxy.log" &&
	grep -q "POST /run" "$FAAS/activations/$id/debug/proxy.log" &&
	find "$FAAS/activations/$id/debug" >found &&
	grep -q "/debug/.*/state/at-failure.txt$" found &&
	grep -q "/__main__.py$" found &&
	! grep -q escape found &&
	! echo x >"$(find "$FAAS/activations/$id/debug" -name at-failure.txt)" 2>/dev/null &&
	grep -q "about to fail" "$FAAS/activations/$id/logs"
'

test_expect_success 'rm -r of debug/ releases the container; the action runs on' '
	id=$(cat id1) &&
	backend_held $id &&
	rm -r "$FAAS/activations/$id/debug" &&
	! backend_held $id &&
	! test -e "$FAAS/activations/$id/debug" &&
	! ls "$FAAS/activations/$id" | grep -qx debug &&
	id2=$(fail broken 2) &&
	within 10 "held $id2" &&
	test "$(state $id2)" = "the state at the failure: 2"
'

test_expect_success 'released elsewhere (a new failure releases the one before): gone from the tree' '
	id2=$(fail broken 2) && id3=$(fail broken 3) &&
	within 10 "held $id3" &&
	within 10 "! held $id2" &&
	test "$(state $id3)" = "the state at the failure: 3"
'

test_expect_success 'nothing is held without the annotation, or once debug is false' '
	cp broken.py "$A/plain.py" &&
	id=$(fail plain 4) &&
	within 10 "test -d $FAAS/activations/$id" &&
	! held $id &&
	! ls "$FAAS/activations/$id" | grep -qx debug &&
	echo false >"$A/broken/debug" &&
	test "$(cat $A/broken/debug)" = false &&
	id=$(fail broken 5) &&
	within 10 "test -d $FAAS/activations/$id" &&
	! held $id
'

test_expect_success 'a hold of seconds ends by itself, and debug/ goes' '
	cp broken.py "$A/brief.py" &&
	echo 1 >"$A/brief/debug" &&
	id=$(fail brief 6) &&
	within 10 "test -d $FAAS/activations/$id" &&
	within 10 "! backend_held $id" &&
	within 10 "! held $id" &&
	! ls "$FAAS/activations/$id" | grep -qx debug
'

test_done

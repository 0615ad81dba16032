#!/bin/bash
# t1210-secrets.sh — secrets/ of an action and a package: echo sets one, the function reads it as a 0400 file of its own, nothing reads it back, and no file of the tree, record or log ever shows it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions
V1=s3cr3t-one-$RANDOM$RANDOM$RANDOM
V2=s3cr3t-two-$RANDOM$RANDOM$RANDOM
V3=s3cr3t-pkg-$RANDOM$RANDOM$RANDOM

# the function: each secret's sha256, its mode and owner; then it prints its environment and may fail
cat >reader.py <<'EOF'
import hashlib, os
def main(args):
    d = os.environ["FAASFS_SECRETS"]
    out = {}
    for n in sorted(os.listdir(d)):
        st = os.stat(os.path.join(d, n))
        out[n] = [hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest(), oct(st.st_mode & 0o777), st.st_uid == os.getuid()]
    print(dict(os.environ))
    if args.get("fail"):
        raise Exception("the environment: %r" % dict(os.environ))
    return out
EOF
sha() { printf %s "$1" | sha256sum | cut -d" " -f1; }
invoke() { echo "${2-{\}}" | { cat >&3; cat <&3; } 3<>"$A/$1/invoke"; }

test_expect_success 'echo sets a secret: listed, mode 0200, size 0, a new version; the function reads it as its own 0400 file' '
	cp reader.py "$A/" &&
	v0=$(cat $A/reader/version) &&
	printf %s "$V1" >"$A/reader/secrets/DB" &&
	test "$(ls $A/reader/secrets)" = DB &&
	test "$(stat -c "%a %s" $A/reader/secrets/DB)" = "200 0" &&
	test "$(cat $A/reader/version)" != "$v0" &&
	test "$(invoke reader | jq -c .DB)" = "[\"$(sha $V1)\",\"0o400\",true]"
'

test_expect_success 'a secret never reads back, not even for root' '
	! cat "$A/reader/secrets/DB" 2>cat.err &&
	grep -q "Permission denied" cat.err
'

test_expect_success 'a new value is a new version, seen by the next activation; rm deletes one' '
	v0=$(cat $A/reader/version) &&
	printf %s "$V2" >"$A/reader/secrets/DB" &&
	test "$(cat $A/reader/version)" != "$v0" &&
	test "$(invoke reader | jq -r ".DB[0]")" = "$(sha $V2)" &&
	printf x >"$A/reader/secrets/GONE" &&
	rm "$A/reader/secrets/GONE" &&
	test "$(ls $A/reader/secrets)" = DB &&
	test "$(invoke reader | jq -c keys)" = "[\"DB\"]"
'

test_expect_success 'a package'"'"'s secrets reach its actions' '
	mkdir "$FAAS/packages/p" &&
	cp reader.py "$FAAS/packages/p/actions/" &&
	printf %s "$V3" >"$FAAS/packages/p/secrets/TOKEN" &&
	test "$(ls $FAAS/packages/p/secrets)" = TOKEN &&
	test "$(invoke ../packages/p/actions/reader | jq -r ".TOKEN[0]")" = "$(sha $V3)"
'

test_expect_success 'mv of the action keeps its secrets (the backend copies them)' '
	cp reader.py "$A/mover.py" &&
	printf %s "$V1" >"$A/mover/secrets/DB" &&
	mv "$A/mover" "$A/moved" &&
	test "$(ls $A/moved/secrets)" = DB &&
	test "$(invoke moved | jq -r ".DB[0]")" = "$(sha $V1)"
'

test_expect_success 'no value is in any file of the tree, the manifest, a record, a log or err, even after an error that prints the environment' '
	invoke reader "{\"fail\":true}" | grep -q FAASFS_SECRETS &&
	invoke ../packages/p/actions/reader "{\"fail\":true}" >/dev/null &&
	{ cat "$FAAS/manifest.yaml" "$FAAS/err" "$FAAS/activations/log" &&
	  for f in $A/reader/* $FAAS/packages/p/*; do test -f "$f" && test "${f##*/}" != invoke && cat "$f"; done &&
	  for d in $FAAS/activations/*/; do cat "$d"record "$d"logs; done; } >all 2>/dev/null;
	grep -q FAASFS_SECRETS all &&
	grep -q "\"secrets\"" all &&
	! grep -e "$V1" -e "$V2" -e "$V3" all &&
	! grep -r -e "$V1" -e "$V2" -e "$V3" "$SCRATCH/fs.log" "$SCRATCH/backend.log"
'

test_done

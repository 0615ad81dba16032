#!/bin/bash
# t0110-listings.sh — every collection lists every entity, whoever made it and when, with a real d_ino, on a fresh mount.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

test_at_end 'backend_stop'
test_at_end 'mount_stop'
backend_start || exit 1

# put KIND NAME JSON: make an entity over REST, as another client would.
put() { rest PUT "$1/$2?overwrite=true" "$3" | jq -e .name >/dev/null; }
code='"exec":{"kind":"python:3","code":"def main(a):\n    return {\"ok\": 1}\n"}'

# names DIR: what os.listdir, which drops entries whose d_ino is 0, sees in DIR (no lookup before).
names() { /usr/bin/python3 -c 'import os, sys; print("\n".join(sorted(os.listdir(sys.argv[1]))))' "$1"; }

# inos DIR: the d_ino of every entry, . and .. too, as readdir gives them.
inos() { /usr/bin/python3 -c '
import ctypes, ctypes.util, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
class D(ctypes.Structure):
    _fields_ = [("ino", ctypes.c_ulong), ("off", ctypes.c_long), ("reclen", ctypes.c_ushort),
                ("type", ctypes.c_ubyte), ("name", ctypes.c_char * 256)]
libc.opendir.restype = ctypes.c_void_p
libc.readdir.restype = ctypes.POINTER(D)
libc.readdir.argtypes = [ctypes.c_void_p]
d = libc.opendir(sys.argv[1].encode())
while True:
    e = libc.readdir(d)
    if not e: break
    print(e.contents.ino, e.contents.name.decode())' "$1"; }

test_expect_success 'setup over REST, before any mount: every kind of entity, and an activation' '
	put actions a1 "{$code}" &&
	put packages p "{}" &&
	put actions p/x "{$code}" &&
	put packages b "{\"binding\":{\"namespace\":\"guest\",\"name\":\"p\"}}" &&
	put triggers t1 "{}" &&
	put rules r1 "{\"trigger\":\"/guest/t1\",\"action\":\"/guest/a1\"}" &&
	id=$(rest POST "actions/a1?blocking=true" "{}" | jq -r .activationId) &&
	echo "$id" >id && test ${#id} = 32
'

test_expect_success 'a fresh mount lists all of it, with no lookup first' '
	mount_start &&
	names "$FAAS/triggers" >got && echo t1 >want && test_cmp want got &&
	names "$FAAS/rules" >got && echo r1 >want && test_cmp want got &&
	names "$FAAS/packages" >got && printf "b\np\n" >want && test_cmp want got &&
	names "$FAAS/actions" >got && grep -qx a1 got &&
	names "$FAAS/packages/p/actions" >got && grep -qx x got &&
	names "$FAAS/packages/b/actions" >got && grep -qx x got &&
	names "$FAAS/activations" >got && grep -qx "$(cat id)" got &&
	names "$FAAS/actions/a1/activations" >got && grep -qx "$(cat id)" got
'

test_expect_success 'what REST makes while mounted is listed, with no lookup first' '
	put triggers t2 "{}" &&
	put rules r2 "{\"trigger\":\"/guest/t2\",\"action\":\"/guest/p/x\"}" &&
	put actions a2 "{$code}" &&
	put actions p/y "{$code}" &&
	within 20 "names $FAAS/triggers | grep -qx t2" &&
	within 20 "names $FAAS/rules | grep -qx r2" &&
	within 20 "names $FAAS/actions | grep -qx a2" &&
	within 20 "names $FAAS/packages/p/actions | grep -qx y" &&
	within 20 "names $FAAS/packages/b/actions | grep -qx y" &&
	find "$FAAS/triggers" "$FAAS/rules" -type f | sort >got &&
	printf "%s\n" "$FAAS/rules/r1" "$FAAS/rules/r2" "$FAAS/triggers/t1" "$FAAS/triggers/t2" >want &&
	test_cmp want got
'

test_expect_success 'no entry has d_ino 0, . and .. included; ls -a shows . and ..' '
	for d in "" actions actions/a1 packages packages/p packages/p/actions triggers rules activations; do
		inos "$FAAS/$d" >inos.out &&
		grep -q " \.$" inos.out && grep -q " \.\.$" inos.out &&
		! grep "^0 " inos.out || { echo "in /$d:"; cat inos.out; exit 1; }
	done &&
	ls -a "$FAAS/triggers" >got && printf ".\n..\nt1\nt2\n" >want && test_cmp want got &&
	test "$(stat -c %i $FAAS/triggers)" = "$(inos $FAAS/triggers | sed -n "s/ \.$//p")" &&
	test "$(stat -c %i $FAAS)" = "$(inos $FAAS/triggers | sed -n "s/ \.\.$//p")"
'

test_done

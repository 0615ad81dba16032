#!/bin/bash
# t1300-boot.sh — a mount that boots with the host: `make install` into a
# scratch root, its systemd units (and the unit an fstab line makes) checked by
# systemd-analyze verify there, and the fstab line mounted for real with
# `mount -a -T`, before the backend is up and after.
#
# mount(8) runs mount.fuse3 with no PATH, and it runs `faasfs` from sh's
# default one, where an installed faasfs is (/usr/local/sbin, /usr/local/bin).
# So the file runs in a mount namespace of its own, where /usr/local/sbin
# holds this build's faasfs: the host's stays as it was.
if [ -z "${T1200_NS:-}" ] && [ -d /usr/local/sbin ] && unshare -m true 2>/dev/null; then
	exec env T1200_NS=1 unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

ROOT=$SCRATCH/root
UNITS=$ROOT/usr/local/lib/systemd/system
test_at_end 'mount_stop'
test_at_end 'backend_stop'

# verify UNIT...: systemd-analyze verify in the scratch root, which holds the
# host's own units (sysinit.target and the rest) beside ours; its man pages
# are ours, so Documentation= is checked too. Silent when all is well.
verify() {
	(cd "$ROOT" && MANPATH=$ROOT/usr/local/share/man: systemd-analyze verify --root="$ROOT" "$@") >"$SCRATCH/verify.out" 2>&1
	local rc=$?
	cat "$SCRATCH/verify.out"
	[ $rc = 0 ] && ! [ -s "$SCRATCH/verify.out" ]
}

if ! command -v systemd-analyze >/dev/null || ! [ -d /usr/lib/systemd/system ]; then
	test_skip 'the units verify in a scratch root' 'no systemd-analyze (Debian package systemd)'
else
	# scripts/install is what make install runs after the build (done already)
	test_expect_success 'make install puts the programs and units in a scratch root, and they verify there' '
		"$TOP/scripts/install" "$ROOT" /usr/local /usr/local/lib/systemd/system >/dev/null &&
		mkdir -p "$ROOT/usr/lib/systemd" && cp -R /usr/lib/systemd/system "$ROOT/usr/lib/systemd/" &&
		test -x "$ROOT/usr/local/bin/faasfs" && test -x "$ROOT/usr/local/sbin/faasfs-backend" &&
		test -x "$ROOT/usr/local/lib/faasfs/proxy/faasfs-proxy" &&
		test -f "$ROOT/usr/local/lib/faasfs/proxy/launchers/launcher.py" &&
		grep -q "^Type=notify" "$UNITS/faasfs-backend.service" &&
		grep -q "^After=faasfs-backend.service" "$UNITS/faas.mount" &&
		verify faasfs-backend.service faas.mount
	'

	test_expect_success 'the check bites: the mount without _netdev is an ordering cycle, a missing binary an error' '
		sed "s/,_netdev//" "$UNITS/faas.mount" >"$SCRATCH/faas.mount" &&
		cp "$UNITS/faas.mount" "$SCRATCH/faas.mount.good" &&
		cp "$SCRATCH/faas.mount" "$UNITS/faas.mount" &&
		! verify faas.mount >"$SCRATCH/cycle" &&
		cp "$SCRATCH/faas.mount.good" "$UNITS/faas.mount" &&
		grep -q "cycl" "$SCRATCH/cycle" &&
		mv "$ROOT/usr/local/lib/faasfs/backend/faasfs-backend" "$SCRATCH/fb" &&
		! verify faasfs-backend.service >"$SCRATCH/nobin" &&
		mv "$SCRATCH/fb" "$ROOT/usr/local/lib/faasfs/backend/faasfs-backend" &&
		grep -q "not executable" "$SCRATCH/nobin" && verify faasfs-backend.service
	'

	test_expect_success 'the fstab line of faasfs(8) makes, by systemd-fstab-generator, a unit that verifies' '
		echo "faasfs /srv/faas fuse.faasfs socket=/var/lib/faasfs/api.sock,auth_file=/var/lib/faasfs/guest.auth,_netdev,x-systemd.requires=faasfs-backend.service 0 0" >"$SCRATCH/fstab.boot" &&
		mkdir -p "$SCRATCH/gen" &&
		SYSTEMD_FSTAB="$SCRATCH/fstab.boot" SYSTEMD_PROC_CMDLINE= \
			/usr/lib/systemd/system-generators/systemd-fstab-generator "$SCRATCH/gen" "$SCRATCH/gen" "$SCRATCH/gen" &&
		grep -q "^Requires=faasfs-backend.service" "$SCRATCH/gen/srv-faas.mount" &&
		grep -q "^Type=fuse.faasfs" "$SCRATCH/gen/srv-faas.mount" &&
		cp "$SCRATCH/gen/srv-faas.mount" "$UNITS/" &&
		verify srv-faas.mount
	'
fi

# The fstab line as a user writes it, for this scratch backend: SOURCE the
# backend's socket, the key from a file (FAASFS_AUTH unset, so it must be).
echo "$FAASFS_AUTH" >"$SCRATCH/auth"
echo "$SOCK $FAAS fuse.faasfs auth_file=$SCRATCH/auth,_netdev,nosuid,x-systemd.requires=faasfs-backend.service 0 0" >"$SCRATCH/fstab"
mkdir -p "$FAAS"
mkdir -p "$SCRATCH/sbin" && ln -s "$FAASFS" "$SCRATCH/sbin/faasfs"
[ -n "${T1200_NS:-}" ] && mount --bind "$SCRATCH/sbin" /usr/local/sbin
mount_all() { env -u FAASFS_AUTH mount -a -T "$SCRATCH/${1:-fstab}"; }
mounts() { awk -v d="$FAAS" '$2 == d' /proc/self/mounts; }

test_expect_success 'mount -a with the backend not up yet: mounted at once, status says down' '
	! test -e "$SOCK" &&
	mount_all &&
	is_mounted "$FAAS" &&
	mounts | grep -q "^$SOCK $FAAS fuse.faasfs .*nosuid" &&
	grep -q " down since " "$FAAS/status"
'

test_expect_success 'the backend comes up: the same mount fills, the key read from auth_file' '
	backend_start &&
	within 10 "grep -q \" up\$\" $FAAS/status" &&
	rest PUT actions/booted "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a):\\n    return {\\\"up\\\": 1}\\n\"}}" >/dev/null &&
	within 10 "test -d $FAAS/actions/booted" &&
	grep -q "\"up\": *1" "$FAAS/actions/booted/invoke"
'

test_expect_success 'mount -a again mounts nothing twice; umount ends faasfs' '
	mount_all &&
	test "$(mounts | wc -l)" = 1 &&
	pid=$(pgrep -f "^faasfs $SOCK $FAAS") &&
	umount "$FAAS" &&
	wait_for "! kill -0 $pid" 200 &&
	! is_mounted "$FAAS"
'

test_expect_success 'mount -a with the backend up: the tree is full when mount returns' '
	mount_all &&
	ls "$FAAS/actions" | grep -qx booted &&
	umount "$FAAS"
'

test_expect_success 'an fstab option faasfs does not know fails the mount and says so' '
	echo "$SOCK $FAAS fuse.faasfs auth_file=$SCRATCH/auth,nosuchoption 0 0" >"$SCRATCH/fstab.bad" &&
	! mount_all fstab.bad 2>"$SCRATCH/bad.err" &&
	cat "$SCRATCH/bad.err" &&
	grep -q nosuchoption "$SCRATCH/bad.err" &&
	! is_mounted "$FAAS"
'

test_done

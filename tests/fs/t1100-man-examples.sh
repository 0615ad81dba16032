#!/bin/bash
# t1100-man-examples.sh — every line of every man page's EXAMPLES runs as written, and does what the page says.
#
# The lines are read from the pages themselves (man/), so a page cannot show
# an example that is not run here. Each page's examples run in a network
# and mount namespace of their own (unshare -n -m), where the default ports
# (3233, 8080) are free whatever else runs on this machine, with HOME in the
# scratch directory and our programs first on PATH. What the examples take
# as given (hello.py, rows.csv, action.zip, an action backup, the trigger
# upload, a directory /srv/in: a tmpfs in that namespace, and a backend
# that may watch it; an MQTT broker, mosquitto, named broker) is made first;
# what each line must do is checked after it (check below).
. "$(dirname "$0")/../lib.sh"

export HOME="$SCRATCH"
export PATH="$TOP/backend:$TOP/fsd:$TOP/proxy:$PATH"
export FAAS="$SCRATCH/faas" SCRATCH
unset FAASFS_AUTH FAASFS_SOCKET WSK_CONFIG_FILE
test_at_end 'fusermount3 -u -z "$FAAS" 2>/dev/null'

# examples PAGE: the lines of PAGE's EXAMPLES section as a shell reads them.
examples() {
	awk '/^\.SH EXAMPLES/ { on = 1; next } /^\.SH/ { on = 0 }
	     on && /^\.(EX|nf)/ { ex = 1; next } on && /^\.(EE|fi)/ { ex = 0; next }
	     on && ex && !/^\.(RS|RE)/ { gsub(/\\e/, "\\"); gsub(/\\-/, "-"); print }' "$TOP/man/$1"
}

# commands PAGE: its commands, each ended by a NUL: continuations (a line ending in \ or |,
# or inside a quote) joined, "$ " prompts dropped; on a page with prompts,
# the lines without one (output, a script) are left out.
commands() {
	examples "$1" | awk '
	/^\$ / { prompts = 1 }
	{ line = $0 }
	prompts && cont == "" && line !~ /^\$ / { next }
	{ sub(/^\$ /, "", line); cont = cont line
	  if (line ~ /\\$/) { sub(/\\$/, "", cont); next }
	  if (line ~ /\|$/) { cont = cont " "; next }
	  if (gsub(/'"'"'/, "'"'"'", cont) % 2 == 1) { cont = cont "\n"; next }
	  printf "%s%c", cont, 0; cont = "" }'
}

cat >hello.py <<\PY
def main(args):
    return {"greeting": "Hello " + args.get("name", "stranger")}
PY
cp hello.py __main__.py && /usr/bin/python3 -c 'import zipfile; z = zipfile.ZipFile("action.zip", "w"); z.write("__main__.py"); z.close()'
printf 'a,b\n1,2\n' >rows.csv

# The harness each page runs in its namespace: run, wait, and the checks.
cat >harness.sh <<\SH
set -u -a
cd "$SCRATCH"
n=0
fail() { echo "FAIL after: $line: $*"; tail -n 3 "$FAAS/err" 2>/dev/null; exit 1; }
within() { local i; for i in $(seq 1 $(($1 * 20))); do eval "$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
# run1 LINE: as written; what never ends on its own (a server started with
# &, tail -f, a stream) in the background, in a session of its own, its
# output in bg.N, line-buffered as on a terminal.
run1() {
	case $1 in
	*'&') bg "${1%&}" ;;
	*'tail -f'*|*/stream*|*'curl -N'*) bg "$1" ;;
	*) eval "$1" >out 2>err || fail "exit $?: $(cat out err)" ;;
	esac
}
bg() {
	n=$((n + 1))
	LD_PRELOAD=/usr/libexec/coreutils/libstdbuf.so _STDBUF_O=L setsid bash -c "$1" >bg.$n 2>&1 &
	echo $! >>pids
}
page() {
	: >pids
	if type before >/dev/null 2>&1; then before || fail "before the first line"; fi
	while IFS= read -r -d "" line; do
		echo "\$ $line"
		run1 "$line"
		check "$line" || fail "$(cat out 2>/dev/null)"
	done <"$1"
	for p in $(cat pids); do kill -- -$p 2>/dev/null; done
	fusermount3 -u "$FAAS" 2>/dev/null; fusermount3 -u ~/faas 2>/dev/null
	wait 2>/dev/null
	true
}
up() { within 20 "curl -s -o /dev/null http://127.0.0.1:${1%% *}/"; }
# reading FILE: a process of the last background line has FILE open.
reading() {
	local p
	for p in $(pgrep -s "$(tail -n 1 pids)"); do
		find /proc/$p/fd -lname "$1" 2>/dev/null | grep -q . && return 0
	done
	return 1
}
# backend: the backend on its default port and data, as the pages start it.
backend() { bg faasfs-backend; up 3233; }
SH

# onpage PAGE: run PAGE's commands in a network namespace, a HOME of its
# own (so its backend starts afresh, as the page's does), with before()
# and check() from checks.PAGE (written below, before each test).
onpage() {
	commands "$1" >cmds.${1##*/} &&
	mkdir -p "home.${1##*/}" &&
	HOME="$SCRATCH/home.${1##*/}" unshare -n -m --propagation private bash -c \
		'ip link set lo up && . ./harness.sh && . "./checks.$1" && page "cmds.$1"' \
		onpage "${1##*/}" >page.out 2>&1 || { cat page.out; false; }
}

cat >checks.faasfs.8 <<\SH
check() {
	case $1 in
	"faasfs-backend &") up 3233 ;;
	"mkdir -p"*) mountpoint -q ~/faas ;;
	"cp hello.py"*) test "$(cat out)" = '{"greeting":"Hello stranger"}' ;;
	"fusermount3 -u"*) ! mountpoint -q ~/faas ;;
	"faasfs --socket"*) mountpoint -q ~/faas && ls ~/faas/actions | grep -qx hello ;;
	*) echo "no check for: $1"; false ;;
	esac
}
SH
test_expect_success 'faasfs(8): the examples, as written' '
	onpage man8/faasfs.8
'

cat >checks.faasfs.4 <<\SH
before() {
	mount -t tmpfs examples /srv && mkdir /srv/in &&
	printf "127.0.0.1 localhost broker\n" >hosts && mount --bind hosts /etc/hosts &&
	bg "mosquitto -p 1883" && within 10 "echo >/dev/tcp/127.0.0.1/1883" &&
	mkdir -p $FAAS && bg "faasfs-backend --watch-root /srv" && up 3233 && faasfs $FAAS &&
	printf 'def main(a):\n    return {"backed_up": a.get("full", False)}\n' >$FAAS/actions/backup.py &&
	printf 'def main(a):\n    open("note", "w").write("why\\n")\n    raise ValueError("no")\n' >$FAAS/actions/broken.py
}
check() {
	case $1 in
	"cp hello.py"*) test "$(cat out)" = '{"greeting":"Hello stranger"}' ;;
	"touch "*) test -f $FAAS/triggers/hot ;;
	"echo 'hot hello'"*) grep -qx "action hello" $FAAS/rules/r1 ;;
	"echo '{"*) within 10 "grep -q ' hello success ' $FAAS/activations/log" ;;
	"tail -f"*) within 10 "grep -q ' hello success ' bg.$n" ;;
	"cat "*stream*) within 20 "reading $FAAS/activations/stream" && echo '{"name":"Bo"}' >$FAAS/triggers/hot &&
		within 10 "grep -qx '{\"greeting\":\"Hello Bo\"}' bg.$n" ;;
	*crontab) grep -q "^0 2 \* \* \* nightly " $FAAS/crontab && test -f $FAAS/triggers/nightly ;;
	*watches) grep -q "^/srv/in incoming" $FAAS/watches && test -f $FAAS/triggers/incoming ;;
	*subscriptions) grep -q "sensors/+/temp temps" $FAAS/subscriptions && test -f $FAAS/triggers/temps ;;
	*nightly-backup) grep -qx "trigger nightly" $FAAS/rules/nightly-backup ;;
	"cat "*/triggers/nightly) grep -q "^rules nightly-backup" out && grep -q "^next " out ;;
	*/broken/debug) test "$(cat $FAAS/actions/broken/debug)" = true ;;
	*/broken/invoke) grep -q "no" out && within 10 "ls -d $FAAS/activations/*/debug" ;;
	"ls -R "*/debug) grep -qx proxy.log out && grep -qx note out ;;
	"rm -r "*/debug) ! ls -d $FAAS/activations/*/debug ;;
	*) echo "no check for: $1"; false ;;
	esac
}
SH
test_expect_success 'faasfs(4): the examples, as written, on a mount at $FAAS' '
	onpage man4/faasfs.4
'

export API=http://127.0.0.1:3233/api/v1/namespaces/_
cat >checks.faasfs-backend.8 <<\SH
check() {
	case $1 in
	"faasfs-backend &") up 3233 ;;
	AUTH=*) test -n "$AUTH" &&
		curl -sf -u $AUTH -X PUT -H 'Content-Type: application/json' -d '{}' $API/triggers/upload >/dev/null ;;
	*"-X PUT"*/actions/hello) test "$(jq -r .name out)" = hello ;;
	*"blocking=true&result=true"*) test "$(cat out)" = '{"hi":"ann"}' &&
		curl -sf -u $AUTH -X PUT -H 'Content-Type: application/json' \
			-d '{"trigger":"/_/upload","action":"/_/hello"}' $API/rules/onupload >/dev/null ;;
	KEY=*) test "$(curl -s -u $KEY http://127.0.0.1:3233/api/v1/namespaces)" = '["alice"]' ;;
	*"curl -N"*) curl -sf -u $KEY -X PUT -d '{}' $API/triggers/seen >/dev/null && # since=0: replayed
		within 10 "grep -q '\"name\":\"seen\"' bg.$n" ;;
	*triggers/upload) test "$(jq -r .activationId out | wc -c)" = 33 ;;
	*) echo "no check for: $1"; false ;;
	esac
}
SH
test_expect_success 'faasfs-backend(8): the examples, as written' '
	onpage man8/faasfs-backend.8
'

cat >checks.faasfs-proxy.8 <<\SH
check() {
	case $1 in
	"faasfs-proxy --listen 127.0.0.1:"*) up ${1##*:} ;;
	*/init) test "$(cat out)" = '{"ok":true}' ;;
	*/run) test "$(cat out)" = '{"greeting":"Hello Ann"}' ;;
	*action.zip*) test "$(cat out)" = '{"greeting":"Hello Ann"}' ;;
	*) echo "no check for: $1"; false ;;
	esac
}
SH
test_expect_success 'faasfs-proxy(8): the examples, as written, and the answers are the page'"'"'s' '
	examples man8/faasfs-proxy.8 >ex.proxy &&
	grep -qx "{\"ok\":true}" ex.proxy && grep -qx "{\"greeting\":\"Hello Ann\"}" ex.proxy &&
	onpage man8/faasfs-proxy.8
'

test_expect_success 'faasfs-proxy(8): its actionloop executable in bash runs as an actionloop action' '
	examples man8/faasfs-proxy.8 | sed -n "/^#!\/bin\/bash/,\$p" >loop.sh &&
	test "$(wc -l <loop.sh)" = 2 &&
	unshare -n bash -c "ip link set lo up && . ./harness.sh && bg \"faasfs-proxy --listen 127.0.0.1:8080\" && up 8080 &&
		jq -Rs \"{value: {code: ., kind: \\\"actionloop\\\"}}\" loop.sh | curl -s -d @- localhost:8080/init >init.out &&
		curl -s -d \"{\\\"value\\\":{\\\"x\\\":[1,2]}}\" localhost:8080/run >run.out; kill -- -\$(cat pids)" &&
	test "$(cat init.out)" = "{\"ok\":true}" &&
	test "$(cat run.out)" = "{\"x\":[1,2]}"
'

test_done

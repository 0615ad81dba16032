#!/bin/bash
# t0700-token.sh — FAASFS_PROXY_TOKEN: requests without the token get 401 and change nothing; functions never see it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/proxy/proxy-lib.sh"

TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
FAASFS_PROXY_TOKEN=$TOKEN proxy_start --kind python:3

# as_none, as_wrong, as_right COMMAND...: COMMAND with no, a wrong, the right token.
as_none() { PROXY_TOKEN= "$@"; }
as_wrong() { PROXY_TOKEN=${TOKEN%?}x "$@"; }
as_right() { PROXY_TOKEN=$TOKEN "$@"; }

cat >env.py <<\PY
import os

def main(args):
    with open("/proc/%d/environ" % os.getppid(), "rb") as f:
        parent = f.read().decode("latin-1").replace("\0", "\n")
    with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
        pcmd = f.read().decode("latin-1").replace("\0", " ")
    return {"env": dict(os.environ), "parent": parent, "pcmd": pcmd}
PY

test_expect_success 'an init without the token gets 401 and inits nothing' '
	got=$(as_none init env.py python:3) && expect 401 ".error | test(\"Unauthorized\")" &&
	got=$(as_right run "{}") && expect 403 ".error == \"System not initialized.\""
'
test_expect_success 'an init with a wrong token, a token cut short or one too long gets 401' '
	got=$(as_wrong init env.py python:3) && expect 401 ".error" &&
	got=$(PROXY_TOKEN=${TOKEN%?} init env.py python:3) && expect 401 ".error" &&
	got=$(PROXY_TOKEN=${TOKEN}0 init env.py python:3) && expect 401 ".error" &&
	init_value env.py python:3 | jq -c "{value: .}" >init.json &&
	got=$(post /init -H "Authorization: Basic $TOKEN" --data-binary @init.json) && expect 401 ".error" &&
	got=$(post /init -H "Authorization: $TOKEN" --data-binary @init.json) && expect 401 ".error" &&
	got=$(as_right run "{}") && expect 403 ".error == \"System not initialized.\""
'
test_expect_success 'the 401 names the scheme and no route is told apart' '
	curl -s -m 60 -D head -o body "$URL/init" && grep -qi "^WWW-Authenticate: Bearer" head &&
	for p in /run /init / /nothing; do
		got=$(as_wrong post $p -d "{}") && expect 401 ".error" || return 1
	done
'
test_expect_success 'with the right token, init and run work' '
	got=$(as_right init env.py python:3) && expect 200 ".ok" &&
	got=$(as_right run "{\"a\":1}") && expect 200 ".env | type == \"object\""
'
test_expect_success 'a run without the right token gets 401, runs nothing and logs nothing' '
	n=$(sentinels proxy.out) &&
	got=$(as_none run "{}") && expect 401 ".error" &&
	got=$(as_wrong run "{}") && expect 401 ".error" &&
	got=$(as_wrong post / -d "{\"value\":{}}") && expect 401 ".error" &&
	got=$(as_none post / -H "Content-Type: text/plain" -d "raw") && expect 401 ".error" &&
	test "$(sentinels proxy.out)" = "$n" && proxy_alive
'
test_expect_success 'a re-init without the token cannot replace the code' '
	printf "def main(a):\n    return {\"stolen\": True}\n" >other.py &&
	got=$(as_wrong init other.py python:3) && expect 401 ".error" &&
	got=$(as_right run "{}") && expect 200 ".env"
'
test_expect_success 'python: neither os.environ nor /proc/PPID/environ holds the token' '
	got=$(as_right run "{}") && expect 200 ".pcmd | test(\"faasfs-proxy\")" &&
	jq -e --arg t "$TOKEN" "(.env | has(\"FAASFS_PROXY_TOKEN\") | not) and
		(.env | tostring | contains(\$t) | not) and (.parent | contains(\$t) | not) and
		(.parent | contains(\"PATH=\"))" body
'
test_expect_success 'Knative POST / with the token inits and runs' '
	init_value env.py python:3 | jq -c "{init: ., value: {k: 1}}" >both.json &&
	got=$(as_right post / --data-binary @both.json) && expect 200 ".env"
'
kill $PROXY_PID

FAASFS_PROXY_TOKEN=$TOKEN proxy_start
cat >env.sh <<\SH
self=$(cat /proc/self/environ /proc/$$/environ | tr '\0' '\n')
parent=$(tr '\0' '\n' </proc/$PPID/environ) || parent=unreadable
pcmd=$(tr '\0' ' ' </proc/$PPID/cmdline)
jq -cn --arg s "$self" --arg p "$parent" --arg c "$pcmd" '{self: $s, parent: $p, pcmd: $c}'
SH
test_expect_success 'bash: neither /proc/self/environ nor /proc/$PPID/environ holds the token' '
	got=$(as_right init env.sh bash) && expect 200 ".ok" &&
	got=$(as_right run "{}") && expect 200 ".pcmd | test(\"faasfs-proxy\")" &&
	jq -e --arg t "$TOKEN" "(.self | contains(\$t) or contains(\"FAASFS_PROXY_TOKEN\") | not) and
		(.parent | contains(\$t) | not) and (.self | contains(\"PATH=\"))" body
'
kill $PROXY_PID

proxy_start
test_expect_success 'without FAASFS_PROXY_TOKEN no token is asked' '
	got=$(as_none init env.sh bash) && expect 200 ".ok" &&
	got=$(as_wrong run "{}") && expect 200 ".self"
'
kill $PROXY_PID

# The backend's local containers listen on a socket in their own folder.
FAASFS_PROXY_TOKEN=$TOKEN proxy_start_unix proxy.sock --kind python:3
test_expect_success 'on a Unix socket (a relative path) the token is asked the same' '
	test -S proxy.sock && test "$(stat -c %a proxy.sock)" = 600 &&
	got=$(as_none init env.py python:3) && expect 401 ".error" &&
	got=$(as_wrong run "{}") && expect 401 ".error" &&
	got=$(as_right init env.py python:3) && expect 200 ".ok" &&
	got=$(as_none run "{}") && expect 401 ".error" &&
	got=$(as_right run "{}") && expect 200 ".env"
'
test_expect_success 'the socket is gone when the proxy stops' '
	kill $PROXY_PID && wait_for "! kill -0 $PROXY_PID" && ! test -e proxy.sock
'
PROXY_SOCK=
test_expect_success 'a socket path too long for an address is refused, not cut short' '
	long=$(printf "%0120d" 0).sock &&
	! "$PROXY" --listen "unix:$long" 2>err && grep -q "cannot listen on $long" err && ! ls | grep -q "^000"
'
test_done

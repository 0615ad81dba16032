#!/bin/sh
# Containers share the host's loopback: a function that finds another
# container's proxy there (or its own) and posts /run or /init to it gets
# 401, learns nothing and changes nothing, for each proxy holds a secret
# token only the backend knows; the backend's own calls go on working.
. "$(dirname "$0")/backend-lib.sh"

start_backend

cat >victim.py <<'PY'
def main(args):
    return {"secret": args.get("secret"), "who": "victim"}
PY
cat >attacker.py <<'PY'
import http.client, json, os

# The ports someone listens on at 127.0.0.1, from /proc/net/tcp (state 0A).
def listening():
    ports = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, port = local.split(":")
            if state == "0A" and addr in ("0100007F", "00000000"):
                ports.add(int(port, 16))
    return sorted(ports)

def post(port, path, body, headers):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", path, body=json.dumps(body), headers=headers)
        r = c.getresponse()
        return {"status": r.status, "body": r.read().decode("utf-8", "replace")}
    except Exception as e:
        return {"status": 0, "body": str(e)}

# What this function can see of its own proxy's token.
def own_token():
    try:
        with open("/proc/%d/environ" % os.getppid(), "rb") as f:
            parent = f.read().decode("latin-1").replace("\0", "\n")
    except OSError as e:
        parent = "error: " + e.strerror
    return {"env": "FAASFS_PROXY_TOKEN" in os.environ, "parent": parent}

# Only this backend's proxies are attacked: other programs on the host
# listen too, and are none of this test's business.
def main(args):
    hit = {}
    for p in args["ports"]:
        hit[str(p)] = [
            post(p, "/run", {"value": {}}, {}),
            post(p, "/run", {"value": {}}, {"Authorization": "Bearer " + "0" * 32}),
            post(p, "/init", {"value": {"code": "def main(a):\n    return {'owned': True}\n",
                                        "kind": "python:3"}}, {}),
            post(p, "/", {"value": {}}, {"Authorization": "Bearer "}),
        ]
    return {"scanned": listening(), "hit": hit, "own": own_token()}
PY

# proxy_ports: the ports this backend's proxies listen on, from their command lines.
proxy_ports() {
	for pid in $(pgrep -P "$BACKEND_PID" faasfs-proxy); do
		tr '\0' '\n' </proc/$pid/cmdline | sed -n 's/^127\.0\.0\.1://p'
	done | jq -sc .
}

test_expect_success 'a victim with a bound secret runs and stays warm' '
	put_action victim python:3 victim.py "{\"parameters\":[{\"key\":\"secret\",\"value\":\"S3CRET-a1b2\"}]}" &&
	put_action attacker python:3 attacker.py &&
	invoke victim >v1.json &&
	test "$(field v1.json .response.result.secret)" = S3CRET-a1b2 &&
	invoke attacker "{\"ports\":[]}" >warmup.json &&
	test "$(field warmup.json .response.statusCode)" = 0
'

test_expect_success 'the proxies refuse a request from outside without the token' '
	ports=$(proxy_ports) && test "$(echo "$ports" | jq length)" -ge 2 &&
	for p in $(echo "$ports" | jq ".[]"); do
		code=$(curl -s -o out.json -w "%{http_code}" -d "{\"value\":{}}" "http://127.0.0.1:$p/run") &&
		test "$code" = 401 && jq -e ".error" out.json >/dev/null || return 1
	done
'

test_expect_success 'a function finds every proxy, and posting /run, /init and / to each gets 401' '
	ports=$(proxy_ports) &&
	invoke attacker "{\"ports\":$ports}" >a.json &&
	test "$(field a.json .response.statusCode)" = 0 &&
	jq -e --argjson ports "$ports" ".response.result as \$r | \$ports | all(. as \$p |
		\$r.scanned | index(\$p) != null)" a.json >/dev/null &&
	jq -e --argjson ports "$ports" ".response.result.hit as \$h | \$ports | all(. as \$p |
		\$h[\$p | tostring] | length == 4 and all(.status == 401))" a.json >/dev/null &&
	! grep -q S3CRET-a1b2 a.json
'

test_expect_success 'the function sees no token, neither in its environment nor in its proxy'"'"'s' '
	jq -e ".response.result.own | .env == false and (.parent | test(\"FAASFS_PROXY_TOKEN=[0-9a-f]\") | not)" a.json
'

test_expect_success 'the victim still works, warm, with its own code and secret' '
	invoke victim >v2.json &&
	jq -e ".response.result == {\"secret\": \"S3CRET-a1b2\", \"who\": \"victim\"}" v2.json >/dev/null &&
	test "$(startup v2.json)" = warm
'

test_expect_success 'the refused requests left nothing in the victim'"'"'s logs' '
	jq -e ".logs == []" v2.json >/dev/null
'

test_done

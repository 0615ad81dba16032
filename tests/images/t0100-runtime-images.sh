#!/bin/sh
# The runtime images of scripts/image, run by podman: a function invoked through the proxy inside,
# as a Knative Service's pod (POST /, the function in FAASFS_INIT) and as an OpenWhisk runtime
# (OpenWhisk's invoker protocol, /init then /run on 8080, unchanged); functions run as nobody.
. "$(dirname "$0")/../lib.sh"

AUTH=23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP

PODMAN_FLAGS=${PODMAN_FLAGS:---cgroup-manager=cgroupfs --events-backend=file --runtime=runc}
pm() { podman $PODMAN_FLAGS "$@"; }

if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
	test_skip 'runtime images' 'podman or debootstrap is missing (apt-get install podman runc debootstrap)'
	test_done
fi
# Building the bases takes minutes (debootstrap): done here only when asked.
if [ "${FAASFS_IMAGE_BUILD:-0}" = 1 ]; then
	"$TOP/scripts/image" python native >"$SCRATCH/image.log" 2>&1 ||
		{ test_skip 'runtime images' "scripts/image failed: $(tail -n 2 "$SCRATCH/image.log" | tr '\n' ' ')"; test_done; }
fi
if ! pm image exists localhost/faasfs/python || ! pm image exists localhost/faasfs/native; then
	test_skip 'runtime images' 'no images: run scripts/image python native (or FAASFS_IMAGE_BUILD=1)'
	test_done
fi
if ! pm run --rm --pull=never --network=none --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
	--entrypoint /bin/true localhost/faasfs/native >/dev/null 2>&1; then
	test_skip 'runtime images' 'podman cannot run a container here'
	test_done
fi
"$TOP/scripts/image" python native >"$SCRATCH/image.log" 2>&1 ||   # the tree's programs into them: cheap
	{ test_skip 'runtime images' "scripts/image failed: $(tail -n 2 "$SCRATCH/image.log" | tr '\n' ' ')"; test_done; }

# Tests run in subshells: the containers of this file go at its end, by name.
containers_rm() {
	pm ps -a --format '{{.Names}}' | grep -- "^faasfs-test-.*-$$\$" | while read -r c; do pm rm -f -t 1 "$c"; done
}
test_at_end containers_rm

# run_image NAME IMAGE [ENV...]: a container on the host's network, its proxy on a free port.
run_image() {
	name=$1 img=$2
	shift 2
	port=$(free_port)
	pm run -d --rm --pull=never --name "faasfs-test-$name-$$" --network=host \
		--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 -e PORT="$port" "$@" "$img" >/dev/null || return 1
	eval "PORT_$name=$port"
	wait_for "curl -s -o /dev/null http://127.0.0.1:$port/"
}

cat >fn.py <<'EOF'
import os
def main(args):
    print("log from the image")
    return {"hello": args.get("name", "?"), "uid": os.getuid()}
EOF

test_expect_success 'as a Knative pod: the function in FAASFS_INIT answers POST /, as nobody, with its logs when asked' '
	init=$(jq -n --rawfile code fn.py "{kind: \"python:3\", main: \"main\", code: \$code}") &&
	run_image kn localhost/faasfs/python:latest -e FAASFS_INIT="$init" &&
	curl -sf -d "{\"value\":{\"name\":\"pod\"}}" "http://127.0.0.1:$PORT_kn/" >kn.json &&
	test "$(jq -c . kn.json)" = "{\"hello\":\"pod\",\"uid\":65534}" &&
	: the logs come back in the answer when asked, X-Faasfs-Logs: 1 &&
	curl -sf -H "X-Faasfs-Logs: 1" -d "{\"value\":{}}" "http://127.0.0.1:$PORT_kn/" >logs.json &&
	jq -r ".logs[]" logs.json | grep -q "stdout: log from the image"
'

test_expect_success 'as an OpenWhisk runtime: /init then /run on 8080 with the invoker'"'"'s bodies' '
	run_image ow localhost/faasfs/python:latest &&
	jq -n --rawfile code fn.py "{value: {name: \"fn\", main: \"main\", code: \$code, binary: false, env: {}}}" >init.json &&
	curl -sf -d @init.json "http://127.0.0.1:$PORT_ow/init" >i.json &&
	test "$(jq -c . i.json)" = "{\"ok\":true}" &&
	curl -sf -d "{\"value\":{\"name\":\"ow\"},\"namespace\":\"guest\",\"action_name\":\"/guest/fn\",\"activation_id\":\"0123456789abcdef0123456789abcdef\",\"transaction_id\":\"t\",\"deadline\":\"$(($(date +%s) * 1000 + 60000))\"}" \
		"http://127.0.0.1:$PORT_ow/run" >r.json &&
	test "$(jq -c . r.json)" = "{\"hello\":\"ow\",\"uid\":65534}" &&
	pm logs "faasfs-test-ow-$$" >out.log 2>&1 &&
	grep -q "log from the image" out.log &&
	grep -q XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX out.log
'

test_expect_success 'the native image runs a bash action' '
	run_image na localhost/faasfs/native:latest &&
	printf "#!/bin/bash\necho \"{\\\"shell\\\": \\\"\$(id -u)\\\"}\"\n" >fn.sh &&
	jq -n --rawfile code fn.sh "{value: {name: \"sh\", main: \"main\", code: \$code, binary: false, kind: \"bash\"}}" >init2.json &&
	curl -sf -d @init2.json "http://127.0.0.1:$PORT_na/init" >/dev/null &&
	curl -sf -d "{\"value\":{}}" "http://127.0.0.1:$PORT_na/run" >sh.json &&
	test "$(jq -c . sh.json)" = "{\"shell\":\"65534\"}"
'

if pm image exists localhost/faasfs/nodejs; then
test_expect_success 'the nodejs image: an OpenWhisk /init without a kind is node (its CMD), as nobody' '
	run_image nd localhost/faasfs/nodejs:latest &&
	printf "function main(a) { console.log(\"node log\"); return {uid: process.getuid(), v: a.v} }\n" >fn.js &&
	jq -n --rawfile code fn.js "{value: {name: \"js\", main: \"main\", code: \$code, binary: false}}" >init3.json &&
	curl -sf -d @init3.json "http://127.0.0.1:$PORT_nd/init" >/dev/null &&
	curl -sf -d "{\"value\":{\"v\":7}}" "http://127.0.0.1:$PORT_nd/run" >js.json &&
	test "$(jq -c . js.json)" = "{\"uid\":65534,\"v\":7}"
'
else
	test_skip 'the nodejs image' 'no localhost/faasfs/nodejs: run scripts/image nodejs'
fi

if pm image exists localhost/faasfs/backend; then
test_expect_success 'the backend image serves the OpenWhisk API and runs a function (local domain, no sandbox)' '
	port=$(free_port) &&
	pm run -d --rm --pull=never --name "faasfs-test-be-$$" --network=host --ulimit nofile=4096:4096 \
		--ulimit nproc=4096:4096 -e FAASFS_AUTH="$AUTH" localhost/faasfs/backend:latest \
		--listen "127.0.0.1:$port" --data /tmp/data --no-sandbox >/dev/null &&
	api="http://127.0.0.1:$port/api/v1/namespaces/_" &&
	wait_for "curl -sf -u $AUTH $api/actions" &&
	curl -sf -u "$AUTH" -X PUT -H "Content-Type: application/json" \
		-d "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a): return {\\\"ok\\\": 1}\"}}" "$api/actions/t?overwrite=true" >/dev/null &&
	curl -sf -u "$AUTH" -X POST "$api/actions/t?blocking=true&result=true" >be.json &&
	test "$(jq -c . be.json)" = "{\"ok\":1}" &&
	curl -sf "http://127.0.0.1:$port/" | jq -e ".runtimes.nodejs | length > 0"
'
else
	test_skip 'the backend image' 'no localhost/faasfs/backend: run scripts/image backend'
fi

test_done

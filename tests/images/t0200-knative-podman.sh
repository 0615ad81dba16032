#!/bin/sh
# The knative domain with the fake cluster running each Service as a podman container of its
# image (kfake --podman): an action's Service runs the runtime image that scripts/image built.
. "$(dirname "$0")/../knative/knative-lib.sh"

PODMAN_FLAGS=${PODMAN_FLAGS:---cgroup-manager=cgroupfs --events-backend=file --runtime=runc}
pm() { podman $PODMAN_FLAGS "$@"; }

if ! kfake_ok || ! command -v podman >/dev/null; then
	test_skip 'Services as podman containers' 'needs podman, and python3-yaml, python3-jsonschema, openssl for the fake'
	test_done
fi
if ! pm image exists localhost/faasfs/python; then
	test_skip 'Services as podman containers' 'no localhost/faasfs/python: run scripts/image python'
	test_done
fi
"$TOP/scripts/image" python >"$SCRATCH/image.log" 2>&1 ||   # the tree's proxy into it: cheap
	{ test_skip 'Services as podman containers' "scripts/image failed: $(tail -n 2 "$SCRATCH/image.log" | tr '\n' ' ')"; test_done; }

start_kfake --podman
start_backend_knative

cat >fn.py <<'EOF'
import os
def main(args):
    print("in a container")
    return {"uid": os.getuid(), "platform": os.environ.get("__OW_RUNTIME_PLATFORM")}
EOF

test_expect_success 'an action routed to knative runs in a container of localhost/faasfs/python' '
	put_knative boxed python:3 fn.py &&
	invoke boxed >r.json &&
	jq -e ".response.result.uid == 65534 and .response.result.platform == \"knative\"" r.json &&
	logs_text <r.json | grep -qx "stdout: in a container" &&
	pm ps --format "{{.Image}} {{.Names}}" | grep -q "^localhost/faasfs/python:latest kfake-f-guest-boxed-"
'

test_expect_success 'scaled to zero, the container goes; the next run starts another' '
	kfake_zero &&
	wait_for "! podman $PODMAN_FLAGS ps --format {{.Names}} | grep -q kfake-f-guest-boxed-" &&
	invoke boxed >r2.json &&
	jq -e ".response.result.uid == 65534" r2.json
'

test_done

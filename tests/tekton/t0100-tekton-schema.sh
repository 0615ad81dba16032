#!/bin/sh
# deploy/tekton against Tekton's published CRD schemas (tekton.dev/v1 Task and Pipeline, from
# tektoncd/pipeline config/300-crds, kept in tests/tekton/crds): kubectl applies them, with the
# server's dry run, to the fake API server, which validates every body as the real one does.
. "$(dirname "$0")/../knative/knative-lib.sh"

if ! kfake_ok; then
	test_skip 'Tekton schemas' 'needs /usr/bin/python3 with yaml and jsonschema (python3-yaml, python3-jsonschema) and openssl'
	test_done
fi
if ! kubectl_ok; then
	test_skip 'Tekton schemas' "$(kubectl_why)"
	test_done
fi

start_kfake --crds "$TOP/tests/tekton/crds"

test_expect_success 'the Tasks and the Pipeline are valid tekton.dev/v1 objects' '
	for f in "$TOP"/deploy/tekton/*.yaml; do
		kubectl apply --dry-run=server -f "$f" >>applied || { echo "refused: $f"; exit 1; }
	done &&
	grep -q "task.tekton.dev/faasfs-runtime-image" applied &&
	grep -q "task.tekton.dev/faasfs-action-image" applied &&
	grep -q "pipeline.tekton.dev/faasfs-images" applied
'

test_expect_success 'they are stored as applied (dry run off) and read back' '
	kubectl apply -f "$TOP/deploy/tekton/" &&
	kubectl get tasks.tekton.dev faasfs-runtime-image -o json >task.json &&
	jq -e ".spec.params | map(.name) == [\"family\", \"registry\", \"tag\", \"builder\", \"debian\"]" task.json &&
	kubectl get pipelines.tekton.dev faasfs-images -o json | jq -e ".spec.tasks | length == 3"
'

test_expect_success 'the schemas hold: a misspelt field and a wrong type are refused' '
	sed "s/^  steps:/  stpes:/" "$TOP/deploy/tekton/task-runtime-image.yaml" | sed "s/name: faasfs-runtime-image/name: bad1/" >bad1.yaml &&
	! kubectl apply --dry-run=server -f bad1.yaml 2>err1 &&
	refused_unknown err1 dev.tekton.v1.Task spec.stpes &&
	sed "s/privileged: true/privileged: \"yes\"/" "$TOP/deploy/tekton/task-action-image.yaml" | sed "s/name: faasfs-action-image/name: bad2/" >bad2.yaml &&
	! kubectl apply --dry-run=server -f bad2.yaml 2>err2 &&
	grep -q "privileged" err2
'

test_expect_success 'the images the Tasks build are the ones this tree has (images/FAMILY)' '
	for f in python nodejs native backend; do
		test -s "$TOP/images/$f/packages" || exit 1
	done &&
	test -f "$TOP/images/runtime/Containerfile" && test -f "$TOP/images/backend/Containerfile" &&
	grep -q "enum: \[python, nodejs, native, backend\]" "$TOP/deploy/tekton/task-runtime-image.yaml"
'

test_done

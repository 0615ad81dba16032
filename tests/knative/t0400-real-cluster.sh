#!/bin/sh
# Against a real cluster with Knative Serving, when KUBECONFIG names one (skipped otherwise, saying
# so): an action routed to knative runs there, with its logs, and goes with its Service. The runtime image must be one
# the cluster can pull: FAASFS_KNATIVE_IMAGE (with %s for the kind's family), e.g. what
# deploy/tekton pushed. FAASFS_KUBE_NAMESPACE picks the namespace (default: the context's);
# FAASFS_KNATIVE_INGRESS=HOST:PORT the ingress, when the Services' domain does not resolve from here.
. "$(dirname "$0")/knative-lib.sh"

if [ -z "${KUBECONFIG:-}" ]; then
	test_skip 'a real cluster' 'KUBECONFIG names no cluster'
	test_done
fi
if [ -z "${FAASFS_KNATIVE_IMAGE:-}" ]; then
	test_skip 'a real cluster' 'FAASFS_KNATIVE_IMAGE names no runtime image the cluster can pull'
	test_done
fi
if ! kubectl_ok || ! kubectl get ksvc >/dev/null 2>&1; then
	test_skip 'a real cluster' "kubectl cannot list Knative Services with KUBECONFIG=$KUBECONFIG"
	test_done
fi
say "against the cluster of $KUBECONFIG"

FAASFS_KUBECONFIG="$KUBECONFIG" start_backend

cat >fn.py <<'EOF'
def main(args):
    print("from the cluster")
    return {"hello": args.get("name", "cluster")}
EOF

test_expect_success 'an action routed to knative runs in the cluster, with its logs' '
	put_knative real-$$ python:3 fn.py &&
	invoke real-$$ "{\"name\":\"k8s\"}" >r.json &&
	jq -e ".response.result == {\"hello\": \"k8s\"}" r.json &&
	logs_text <r.json | grep -qx "stdout: from the cluster" &&
	kubectl get ksvc -l app.kubernetes.io/managed-by=faasfs -o name | grep -q "f-guest-real-$$-"
'

test_expect_success 'deleting it deletes its Service' '
	curl -sf -u "$AUTH" -X DELETE "$API/actions/real-$$" >/dev/null &&
	wait_for "test -z \"\$(kubectl get ksvc -o name | grep f-guest-real-$$-)\"" 600
'

test_done

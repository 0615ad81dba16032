#!/bin/bash
# t0800-manifest.sh — manifest.yaml: the namespace as a wskdeploy manifest, and applying one.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1

test_expect_success 'setup: an action, a package with an action, a trigger and a rule' '
	py hello "{\"hi\": args.get(\"name\")}" && cp hello.py "$FAAS/actions/" &&
	echo "{\"name\":\"Ann\"}" >"$FAAS/actions/hello/params" &&
	mkdir "$FAAS/packages/utils" && echo "{\"g\":1}" >"$FAAS/packages/utils/params" &&
	py tool "{\"g\": args.get(\"g\")}" && cp tool.py "$FAAS/packages/utils/actions/" &&
	touch "$FAAS/triggers/hot" && echo "hot hello" >"$FAAS/rules/r1"
'

test_expect_success 'manifest.yaml reads as a manifest of all of it' '
	cat "$FAAS/manifest.yaml" >m.yaml &&
	grep -q "^packages:" m.yaml &&
	grep -q "^  default:" m.yaml && grep -q "^  utils:" m.yaml &&
	grep -q "runtime: python:3" m.yaml &&
	grep -q "name: Ann" m.yaml &&
	grep -q "^ *memorySize: [0-9]" m.yaml && grep -q "^ *concurrentActivations: [0-9]" m.yaml &&
	grep -q "trigger: hot" m.yaml && grep -q "action: hello" m.yaml &&
	grep -q "return {\"g\": args.get(\"g\")}" m.yaml
'

# Apache OpenWhisk's wskdeploy refuses a field it does not know: a namespace
# with nothing beyond what it can say reads as a manifest it deploys.
if WSKDEPLOY=$(find_tool wskdeploy); then
	test_expect_success 'wskdeploy deploys it, as it is, into another namespace' '
		mkdir -p proj && cp m.yaml proj/manifest.yaml &&
		KEY=$("$BACKEND" --data "$SCRATCH/data" --add-namespace other) &&
		"$WSKDEPLOY" --apihost "http://127.0.0.1:$BPORT" --auth "$KEY" -p proj >wd.out 2>&1 ||
			{ cat wd.out; false; } &&
		API2="http://127.0.0.1:$BPORT/api/v1/namespaces/_" &&
		test "$(curl -s -u "$KEY" "$API2/actions/hello" | jq -r .parameters[0].value)" = Ann &&
		test "$(curl -s -u "$KEY" "$API2/rules/r1" | jq -r .action.name)" = hello &&
		test "$(curl -s -u "$KEY" -X POST "$API2/actions/utils/tool?blocking=true&result=true" | jq -c .)" = "{\"g\":1}"
	'
else
	test_skip 'wskdeploy deploys it, as it is, into another namespace' 'no wskdeploy (../shared/tools, $WSKDEPLOY or PATH)'
fi

test_expect_success 'applying it again after deleting everything brings everything back' '
	rm "$FAAS/rules/r1" "$FAAS/triggers/hot" &&
	rm -r "$FAAS/actions/hello" "$FAAS/packages/utils" &&
	cp m.yaml "$FAAS/manifest.yaml" &&
	test "$(cat $FAAS/actions/hello/invoke)" = "{\"hi\":\"Ann\"}" &&
	test "$(cat $FAAS/packages/utils/actions/tool/invoke)" = "{\"g\":1}" &&
	grep -q "action hello" "$FAAS/rules/r1" &&
	test -e "$FAAS/triggers/hot"
'

test_expect_success 'a manifest with sequences and typed inputs, in a project' '
	cat >seq.yaml <<-\EOF &&
	project:
	  name: demo
	  packages:
	    default:
	      actions:
	        up:
	          runtime: python:3
	          code: |
	            def main(a):
	                return {"hi": a.get("hi", "").upper()}
	          inputs:
	            extra: string
	          limits:
	            timeout: 5000
	      sequences:
	        shout:
	          actions: hello, up
	EOF
	cp seq.yaml "$FAAS/manifest.yaml" &&
	test "$(cat $FAAS/actions/shout/kind)" = sequence &&
	test "$(cat $FAAS/actions/shout/invoke)" = "{\"hi\":\"ANN\"}" &&
	grep -qx "timeout 5s" "$FAAS/actions/up/limits" &&
	test "$(jq -r .extra $FAAS/actions/up/params)" = ""
'

test_expect_success 'the default package of wskdeploy'"'"'s conductor sample applies' '
	sed -n "/^        default:/,\$p" "$TOP/tests/fs/fixtures/wskdeploy-conductor.yaml" >tail.yaml &&
	{ printf "project:\n    name: DemoConductor\n    packages:\n"; cat tail.yaml; } >cond.yaml &&
	cp cond.yaml "$FAAS/manifest.yaml" &&
	test "$(cat $FAAS/actions/triple/kind)" = "$(rest GET actions/triple | jq -r .exec.kind)" &&
	test "$(jq -r .conductor $FAAS/actions/tripleAndIncrement/annotations)" = true &&
	test "$(echo "{\"value\":4}" | { cat >&3; cat <&3; } 3<>$FAAS/actions/triple/invoke)" = "{\"value\":12}"
'

test_expect_success 'a manifest that cannot be applied fails cp at close, and err says why' '
	printf "packages:\n  p:\n    actions:\n      z:\n        function: src/z.js\n        runtime: $NODE_KIND\n" >fn.yaml &&
	! cp fn.yaml "$FAAS/manifest.yaml" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "give its code inline" &&
	printf "packages: [\n" >bad.yaml &&
	! cp bad.yaml "$FAAS/manifest.yaml" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep -q "YAML: .* at line 2"
'

test_done

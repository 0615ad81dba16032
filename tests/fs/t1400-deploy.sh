#!/bin/bash
# t1400-deploy.sh — faasfs deploy, sync, undeploy and export: wskdeploy projects, all or none, both ways with Apache's wskdeploy.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

FIX="$TOP/tests/fs/fixtures/deploy"
test_at_end 'backend_stop'
backend_start || exit 1

# ns NAME: a namespace of its own, its key in $SCRATCH/NAME.key.
ns() {
	"$BACKEND" --data "$SCRATCH/data" --add-namespace "$1" | tail -n 1 >"$SCRATCH/$1.key"
}
key() { cat "$SCRATCH/$1.key"; }
# as NS VERB ARGS...: faasfs VERB into namespace NS
as() {
	local n=$1 v=$2
	shift 2
	"$FAASFS" "$v" --apihost "http://127.0.0.1:$BPORT" --auth "$(key "$n")" "$@"
}
# wd NS ARGS...: Apache's wskdeploy into namespace NS
wd() {
	local n=$1
	shift
	"$WSKDEPLOY" --apihost "http://127.0.0.1:$BPORT" --auth "$(key "$n")" "$@" >"$SCRATCH/wd.out" 2>&1 ||
		{ cat "$SCRATCH/wd.out"; return 1; }
}
# call NS METHOD PATH: the REST API of namespace NS
call() {
	curl -s -u "$(key "$1")" -X "$2" "http://127.0.0.1:$BPORT/api/v1/namespaces/_/$3"
}
# dump NS [nofile]: every entity of NS, comparable across namespaces:
# versions, times and the namespace's name out, annotations and parameters
# as objects, a zip's bytes as BINARY (two zip writers differ); nofile: the
# whisk-managed annotation without file and projectHash.
dump() {
	local c n
	for c in packages actions triggers rules; do
		for n in $(call "$1" GET "$c?limit=200" |
			jq -r '.[] | (.namespace | split("/")[1:] | map(. + "/") | join("")) + .name'); do
			call "$1" GET "$c/$n" | jq -S --arg c "$c" --arg n "$n" --arg nofile "${2:-}" '
				def kv: (. // []) | map({(.key): .value}) | add // {};
				del(.version, .updated, .namespace, .activationId, .feed.status, .actions)
				| .annotations |= kv | .parameters |= kv
				| if .exec.binary then .exec.code = "BINARY" else . end
				| if $nofile != "" then del(.annotations["whisk-managed"].file,
				      .annotations["whisk-managed"].projectHash) else . end
				| {($c + "/" + $n): .}'
		done
	done | jq -S -s 'add // {}' | sed "s/\\b$1\\b/NS/g"
}
invoke() { call "$1" POST "actions/$2?blocking=true&result=true"; }
# test_must_fail_as NS VERB ARGS...: it fails, its error in err
test_must_fail_as() {
	! as "$@" >out 2>err || { cat out; return 1; }
	cat err >&2
}


export GREETING=Hi PLACE=Oslo
unset WSK_CONFIG_FILE
cp -r "$FIX/project" proj
# less: the project without its sequence, edited in place (the managed
# annotation names the manifest's path); whole: as it was
drop_sequence() { sed -i "/sequences:/,/actions: hello, shout/d" proj/manifest.yaml; }
whole() { cp "$FIX/project/manifest.yaml" proj/; }
for n in a b c d e f g h; do ns "ns$n"; done

test_expect_success 'deploy: files, a directory zipped, deployment.yaml and $VARs' '
	as nsa deploy --managed proj >out &&
	grep -q "^deploy: 7 changes made" out &&
	test "$(invoke nsa demo/both | jq -r .msg)" = "HI ANN FROM OSLO" &&
	test "$(call nsa GET actions/demo/hello | jq -c .parameters)" = "[{\"key\":\"name\",\"value\":\"Ann\"},{\"key\":\"place\",\"value\":\"Oslo\"}]" &&
	test "$(call nsa GET actions/demo/shout | jq -r .exec.binary)" = true &&
	test "$(call nsa GET rules/on-tick | jq -r .action.name)" = hello &&
	call nsa GET actions/demo/hello | jq -e ".annotations[] | select(.key == \"whisk-managed\") | .value |
		.projectName == \"demo\" and .file == \"$SCRATCH/proj/manifest.yaml\" and (.projectHash | length) == 40 and .projectDeps == []"
'

test_expect_success 'the backend key from ~/.wskprops, as wsk reads it' '
	printf "APIHOST=http://127.0.0.1:%s\nAUTH=%s\n" "$BPORT" "$(key nsb)" >"$HOME/.wskprops" &&
	(unset FAASFS_AUTH && "$FAASFS" deploy proj >out) && rm "$HOME/.wskprops" &&
	test "$(invoke nsb demo/both | jq -r .msg)" = "HI ANN FROM OSLO" &&
	as nsb undeploy proj && test "$(call nsb GET actions | jq length)" = 0
'

test_expect_success 'a deploy that fails midway leaves the namespace as it was' '
	dump nsa >before &&
	cp -r proj bad && sed -i "s/name: Ann/name: Bob/" bad/deployment.yaml &&
	sed -i "s|^          function: src/hello.py|&\n          annotations:\n            extra: 1|" bad/manifest.yaml &&
	cat >>bad/manifest.yaml <<-\EOF &&
	    zzz:
	      actions:
	        broken:
	          function: src/hello.py
	          runtime: cobol:1
	EOF
	test_must_fail_as nsa deploy bad &&
	grep -q "zzz/broken: The kind .cobol:1. is not one this host runs" err && grep -q "nothing was changed" err &&
	dump nsa >after && test_cmp before after &&
	test "$(call nsa GET packages/zzz | jq -r .error)" != null
'

test_expect_success 'bad input changes nothing and says where: YAML, a function file, a rule' '
	cp -r proj y && sed -i "s/^      actions:/      actions: [/" y/manifest.yaml &&
	test_must_fail_as nsa deploy y && grep -q "manifest.yaml: YAML: .* at line 9, column 19" err &&
	cp -r proj f && sed -i "s|src/hello.py|src/gone.py|" f/manifest.yaml &&
	test_must_fail_as nsa deploy f && grep -q "action hello: function src/gone.py: No such file" err &&
	cp -r proj r && sed -i "s/trigger: tick/trigger: tock/" r/manifest.yaml &&
	test_must_fail_as nsa deploy r && grep -q "rule on-tick: no trigger /nsa/tock" err &&
	cp -r "$FIX/badyaml" badyaml && test_must_fail_as nsa deploy badyaml &&
	grep -q "badyaml/manifest.yaml: YAML: mapping values are not allowed in this context at line 24, column 23" err &&
	dump nsa >after && test_cmp before after
'

test_expect_success 'sync of the same project changes nothing' '
	as nsa sync proj >out && grep -q "^sync: 0 changes made, 7 unchanged" out
'

test_expect_success 'sync removes exactly what the project dropped, and nothing of others' '
	curl -s -u "$(key nsa)" -X PUT -H "Content-Type: application/json" \
		-d "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a):\n    return a\"}}" \
		"http://127.0.0.1:$BPORT/api/v1/namespaces/_/actions/mine" >/dev/null &&
	drop_sequence && as nsa sync proj >out && whole &&
	grep -q "^sync: 1 change made, 6 unchanged" out &&
	test "$(call nsa GET actions/demo/both | jq -r .error)" != null &&
	test "$(call nsa GET actions/mine | jq -r .name)" = mine &&
	test "$(call nsa GET actions/demo/hello | jq -r .name)" = hello &&
	as nsa sync proj >out && grep -q "^sync: 1 change made" out &&
	test "$(invoke nsa demo/both | jq -r .msg)" = "HI ANN FROM OSLO"
'

# diff: a project whose every kind of field sync must see change;
# edit SED: change its manifest; synced NS: sync made exactly one change.
mkdir -p diff/src && cp "$FIX/project/src/hello.py" diff/src/ &&
	cat >diff/manifest.yaml <<-\EOF
	project:
	  name: diff
	  packages:
	    diff:
	      actions:
	        a:
	          function: src/hello.py
	          runtime: python:3
	          limits:
	            timeout: 5000
	            memorySize: 512
	          inputs:
	            x: 1
	            y: 2
	          annotations:
	            k1: one
	            k2: two
	          web: true
	        b:
	          function: src/hello.py
	          runtime: python:3
	      triggers:
	        t:
	        f:
	          feed: /whisk.system/alarms/interval
	          inputs:
	            minutes: 5
	      rules:
	        r:
	          trigger: t
	          action: a
	EOF
edit() { sed -i "$1" diff/manifest.yaml; }
synced() { as nsf sync diff >out && cat out && grep -q "^sync: 1 change made" out; }
feed_read() {
	curl -s -u "$(key nsf)" -X POST -H "Content-Type: application/json" -d "{\"lifecycleEvent\":\"READ\",\"triggerName\":\"/_/f\"}" \
		"http://127.0.0.1:$BPORT/api/v1/namespaces/whisk.system/actions/alarms/interval?blocking=true&result=true"
}

test_expect_success 'sync sees a removed limit, annotation and parameter, the web flag, a rule moved, a feed changed' '
	as nsf deploy --managed diff >out &&
	test "$(call nsf GET actions/diff/a | jq -cS .limits)" = "{\"concurrency\":1,\"logs\":10,\"memory\":512,\"timeout\":5000}" &&
	as nsf sync diff >out && grep -q "^sync: 0 changes made" out &&
	edit "/memorySize: 512/d" && synced && test "$(call nsf GET actions/diff/a | jq .limits.memory)" = 256 &&
	edit "s/minutes: 5/minutes: 7/" && synced && test "$(feed_read | jq .config.minutes)" = 7 &&
	edit "/k2: two/d" && synced &&
	test "$(call nsf GET actions/diff/a | jq -c "[.annotations[].key | select(startswith(\"k\"))]")" = "[\"k1\"]" &&
	edit "/y: 2/d" && synced && test "$(call nsf GET actions/diff/a | jq -c "[.parameters[].key]")" = "[\"x\"]" &&
	edit "/web: true/d" && synced &&
	test "$(call nsf GET actions/diff/a | jq "[.annotations[] | select(.key == \"web-export\")][0].value")" != true &&
	edit "s/action: a/action: b/" && synced && test "$(call nsf GET rules/r | jq -r .action.name)" = b &&
	as nsf sync diff >out && grep -q "^sync: 0 changes made" out
'

test_expect_success 'a deploy that changes a fed trigger and fails after it: trigger and feed as they were' '
	dump nsf >before && feed_read >read.before && jq -e ".config.minutes == 7" read.before &&
	cp -r diff bad7 && sed -i "s/minutes: 7/minutes: 9/; s/^          action: b$/&\n        zz:\n          trigger: t\n          action: \/nosuch\/x/" bad7/manifest.yaml &&
	test_must_fail_as nsf deploy bad7 && grep -q "zz: .*nothing was changed" err &&
	dump nsf >after && test_cmp before after && feed_read >read.after && test_cmp read.before read.after
'

test_expect_success 'a feed refused after another feed changed: that one is configured as it was again' '
	cp -r diff bad8 && sed -i "s/^            minutes: 7$/            minutes: 9\n        g:\n          feed: \/whisk.system\/alarms\/interval\n          inputs:\n            minutes: -1/" bad8/manifest.yaml &&
	test_must_fail_as nsf deploy bad8 && grep -q "g: .*minutes.*nothing was changed" err &&
	dump nsf >after && test_cmp before after &&
	feed_read | jq -c "[.config, .status.active]" >read.after && jq -c "[.config, .status.active]" read.before >want &&
	test_cmp want read.after
'

test_expect_success 'sync of a trigger whose feed the project took out: the feed goes, the trigger stays' '
	edit "/feed: \/whisk.system\/alarms\/interval/d" && as nsf sync diff >out && grep -q "^sync: 2 changes made" out &&
	test "$(call nsf GET triggers/f | jq -c "[.feed, .parameters]")" = "[null,[{\"key\":\"minutes\",\"value\":7}]]" &&
	feed_read | jq -e ".error" &&
	as nsf sync diff >out && grep -q "^sync: 0 changes made" out
'

test_expect_success 'export, then deploy into a fresh namespace: the same namespace' '
	as nsa export --projectname demo exported >out &&
	test -f exported/manifest.yaml && test -f exported/demo/hello.py && test -f exported/demo/shout.zip &&
	! grep -q whisk-managed exported/manifest.yaml &&
	call nsa DELETE actions/mine >/dev/null &&
	as nsc deploy --managed exported >out &&
	dump nsa nofile >a.json && dump nsc nofile >c.json && test_cmp a.json c.json
'

test_expect_success 'export keeps the API routes of the actions it writes' '
	mkdir -p gw && printf "def main(a):\n    return {\"hi\": a.get(\"who\", \"you\")}\n" >gw/hi.py &&
	printf "project:\n  name: gw\n  packages:\n    default:\n      actions:\n        hi:\n          function: hi.py\n          web: true\n      apis:\n        Greetings:\n          greet:\n            hello:\n              hi: GET\n" >gw/manifest.yaml &&
	as nsg deploy --managed gw >out &&
	test "$(curl -s "http://127.0.0.1:$BPORT/api/nsg/greet/hello?who=g" | jq -r .hi)" = g &&
	as nsg export --projectname gw gwx >out && grep -q "^      apis:" gwx/manifest.yaml &&
	as nsh deploy --managed gwx >out &&
	test "$(curl -s "http://127.0.0.1:$BPORT/api/nsh/greet/hello?who=h" | jq -r .hi)" = h
'

test_expect_success 'undeploy removes what the project made' '
	as nsc undeploy --projectname demo >out &&
	test "$(call nsc GET actions | jq length)" = 0 && test "$(call nsc GET rules | jq length)" = 0 &&
	test "$(call nsc GET packages | jq length)" = 0 && test "$(call nsc GET triggers | jq length)" = 0
'

if WSKDEPLOY=$(find_tool wskdeploy); then
	test_expect_success 'wskdeploy and faasfs deploy give the same namespace' '
		wd nsd --managed -p proj && dump nsa >a.json && dump nsd >d.json && test_cmp a.json d.json
	'

	test_expect_success 'deployed by wskdeploy: synced and undeployed by faasfs' '
		drop_sequence && as nsd sync proj >out && whole && grep -q "^sync: [12] changes* made" out &&
		test "$(call nsd GET actions/demo/both | jq -r .error)" != null &&
		as nsd undeploy --projectname demo && test "$(call nsd GET actions | jq length)" = 0 &&
		test "$(call nsd GET packages | jq length)" = 0
	'

	test_expect_success 'deployed by faasfs: synced and undeployed by wskdeploy' '
		drop_sequence && wd nsa sync -p proj && whole && test "$(call nsa GET actions/demo/both | jq -r .error)" != null &&
		test "$(call nsa GET actions/demo/hello | jq -r .name)" = hello &&
		wd nsa undeploy --projectname demo && test "$(call nsa GET actions | jq length)" = 0 &&
		test "$(call nsa GET rules | jq length)" = 0
	'

	# runs NS M: sample M deployed into NS runs: its first action greets, or as its own
	runs() {
		case $2 in
		conductor)
			test "$(curl -s -u "$(key "$1")" -X POST -H "Content-Type: application/json" -d "{\"value\":4}" \
				"http://127.0.0.1:$BPORT/api/v1/namespaces/_/actions/conductorPackage1/tripleAndIncrement?blocking=true&result=true" |
				jq .value)" = 13 ;;
		alarmtrigger)
			test "$(invoke "$1" helloworld/helloworld | jq -r .payload)" = "Hello, Amy from Paris" &&
			test "$(call "$1" GET triggers/Every12Hours | jq -r .feed.config.cron)" = "0 */12 * * *" ;;
		*)
			a=$(call "$1" GET "actions?limit=200" | jq -r "[.[] | select(.exec.kind != \"sequence\")][0] |
				(.namespace | split(\"/\")[1:] | map(. + \"/\") | join(\"\")) + .name") &&
			invoke "$1" "$a" | jq -e ".payload | startswith(\"Hello, \")" ;;
		esac
	}

	for m in triggerrule webaction websequence defaultpackage managed-deployment alarmtrigger conductor; do
		# wskdeploy keys sequences by their name alone: of two sequences of
		# one name in two packages, either may get the other's components
		# (as Go's map iteration falls), so those are left out of the comparison
		case $m in
		defaultpackage) skip="del(.[\"actions/hello-world-series\", \"actions/package-with-default/hello-world-series\"])" ;;
		managed-deployment) skip="del(.[\"actions/ManagedPackage-1/ManagedSequence-1\", \"actions/ManagedPackage-2/ManagedSequence-1\"])" ;;
		*) skip=. ;;
		esac
		test_expect_success "Apache's $m manifest: deployed by both the same, and it runs" '
			cp -r "$FIX/'$m'" '$m' &&
			as nse deploy '$m' >out && wd nsd -p '$m' &&
			dump nse | jq "$skip" >e.json && dump nsd | jq "$skip" >d.json && test_cmp e.json d.json &&
			runs nse '$m' && runs nsd '$m' &&
			as nse undeploy '$m' >out && wd nsd undeploy -p '$m' &&
			test "$(call nse GET actions | jq length)" = 0 && test "$(call nsd GET actions | jq length)" = 0
		'
	done
else
	test_skip 'wskdeploy and faasfs deploy give the same namespace' 'no wskdeploy (../shared/tools, $WSKDEPLOY or PATH)'
fi

test_done

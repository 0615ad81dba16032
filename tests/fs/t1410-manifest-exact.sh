#!/bin/bash
# t1410-manifest-exact.sh — the tree's manifest.yaml written back after an edit: what was taken out goes away, all or none.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1

# apply: m.yaml written as manifest.yaml; it reads back as the same text.
apply() {
	cp m.yaml "$FAAS/manifest.yaml" && cat "$FAAS/manifest.yaml" >back.yaml && test_cmp m.yaml back.yaml
}
# edit SED: change m.yaml
edit() { sed -i "$1" m.yaml; }
# keys ENTITY: the keys of its annotations, but the backend's own
keys() { rest GET "$1" | jq -c "[.annotations[].key | select(. != \"exec\" and . != \"provide-api-key\")]"; }
# dump: the namespace over REST, but what every change bumps
dump() {
	local c
	for c in packages actions triggers rules; do
		rest GET "$c?limit=200" | jq -r ".[] | (.namespace | split(\"/\")[1:] | map(. + \"/\") | join(\"\")) + .name" |
			while read -r n; do rest GET "$c/$n" | jq -S "{\"$c/$n\": del(.version, .updated)}"; done
	done | jq -S -s add
}

cat >m0.yaml <<\EOF2
packages:
  default:
    dependencies:
      mine:
        location: /guest/utils
    actions:
      a:
        runtime: python:3
        code: |
          def main(args):
              return {"x": args.get("x")}
        inputs:
          x: 1
          y: 2
        limits:
          memorySize: 512
        annotations:
          k1: one
          k2: two
        web: true
      b:
        runtime: python:3
        code: |
          def main(args):
              return {"b": 1}
    sequences:
      s:
        actions: a, b
        annotations:
          about: seq
    triggers:
      t:
        inputs:
          p: 1
      f:
        feed: /whisk.system/alarms/alarm
        inputs:
          cron: 0 2 * * *
    rules:
      r:
        trigger: t
        action: a
  utils:
    inputs:
      g: 1
EOF2

test_expect_success 'setup: a manifest applied, read back' '
	cp m0.yaml "$FAAS/manifest.yaml" && cat "$FAAS/manifest.yaml" >m.yaml && 
	test "$(keys actions/a)" = "[\"k1\",\"k2\",\"web-export\",\"raw-http\",\"final\"]" &&
	test "$(rest GET triggers/f | jq -r .feed.config.cron)" = "0 2 * * *" &&
	test "$(rest GET packages/mine | jq -r .binding.name)" = utils
'

test_expect_success 'an annotation taken out goes away' '
	edit "/^          k2: two$/d" && apply &&
	test "$(keys actions/a)" = "[\"k1\",\"web-export\",\"raw-http\",\"final\"]"
'

test_expect_success 'the web flag taken out: its annotations go away' '
	edit "/^          web-export: true$/d; /^          raw-http: false$/d; /^          final: true$/d" && apply &&
	test "$(keys actions/a)" = "[\"k1\"]"
'

test_expect_success 'an input, a sequence'"'"'s annotation, a package'"'"'s and a trigger'"'"'s inputs taken out go away' '
	edit "/^          y: 2$/d; /^          about: seq$/d; /^    inputs:$/d; /^      g: 1$/d" &&
	edit "/^      t:$/,/^          p: 1$/{/inputs:/d;/p: 1/d}; s/^      t:$/      t: {}/; s/^  utils:$/  utils: {}/" && apply &&
	test "$(rest GET actions/a | jq -c "[.parameters[].key]")" = "[\"x\"]" &&
	test "$(keys actions/s)" = "[]" &&
	test "$(rest GET packages/utils | jq -c .parameters)" = "[]" &&
	test "$(rest GET triggers/t | jq -c .parameters)" = "[]"
'

test_expect_success 'a limit taken out is the default again' '
	edit "/^          memorySize: 512$/d" && cp m.yaml "$FAAS/manifest.yaml" &&
	test "$(rest GET actions/a | jq .limits.memory)" = 256 &&
	cat "$FAAS/manifest.yaml" >m.yaml && grep -q "^          memorySize: 256$" m.yaml
'

test_expect_success 'a rule moved to another action, a feed'"'"'s inputs changed' '
	edit "s/^        action: a$/        action: b/; s/^          cron: 0 2 \* \* \*$/          cron: 0 3 * * */" && apply &&
	test "$(rest GET rules/r | jq -r .action.name)" = b &&
	test "$(rest GET triggers/f | jq -r .feed.config.cron)" = "0 3 * * *" &&
	grep -q "^0 3 \* \* \* f  # next" "$FAAS/crontab"
'

test_expect_success 'a manifest refused midway changes nothing: the tree says why' '
	dump >before.json && cp m.yaml good.yaml &&
	edit "s/^          x: 1$/          x: 5/; s/^          k1: one$/          k1: uno/" &&
	printf "  zzz:\n    actions:\n      broken:\n        runtime: cobol:1\n        code: x\n" >>m.yaml &&
	! cp m.yaml "$FAAS/manifest.yaml" 2>/dev/null &&
	tail -n 1 "$FAAS/err" | grep "zzz/broken: .*cobol" | grep -q "nothing was changed" &&
	dump >after.json && test_cmp before.json after.json &&
	cat "$FAAS/manifest.yaml" >back.yaml && test_cmp good.yaml back.yaml
'

test_expect_success 'refused at a rule, after the triggers: the feed as it was too' '
	cp good.yaml m.yaml &&
	edit "s/^          cron: 0 3 \* \* \*$/          cron: 0 4 * * */" &&
	edit "s/^        action: b$/&\n      zz:\n        trigger: t\n        action: \/nosuch\/x/" &&
	! cp m.yaml "$FAAS/manifest.yaml" 2>/dev/null &&
	tail -n 1 "$FAAS/err" && tail -n 1 "$FAAS/err" | grep "zz: " | grep -q "nothing was changed" &&
	dump >after.json && test_cmp before.json after.json &&
	grep -q "^0 3 \* \* \* f  # next" "$FAAS/crontab"
'

test_expect_success 'a feed taken out of a trigger: the feed goes, the trigger stays' '
	cp good.yaml m.yaml &&
	edit "/^        feed: \/whisk.system\/alarms\/alarm$/d" && apply &&
	test "$(rest GET triggers/f | jq -c "[.feed, .parameters]")" = "[null,[{\"key\":\"cron\",\"value\":\"0 3 * * *\"}]]" &&
	! grep -q " f  # next" "$FAAS/crontab"
'

test_expect_success 'a binding that becomes a package of its own is no longer a binding' '
	edit "/^    dependencies:$/,/^        location: \/guest\/utils$/d; s/^  utils: {}$/  mine: {}\n  utils: {}/" && apply &&
	test "$(rest GET packages/mine | jq -c .binding)" = "{}"
'

test_expect_success 'and what the manifest does not name is left as it is' '
	py other "{}" && cp other.py "$FAAS/actions/" && cp m.yaml "$FAAS/manifest.yaml" &&
	test "$(rest GET actions/other | jq -r .name)" = other
'

test_done

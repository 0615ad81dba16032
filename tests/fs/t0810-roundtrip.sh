#!/bin/bash
# t0810-roundtrip.sh — manifest.yaml round trip: export, wipe, import, export again gives the same text.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1

# put KIND NAME JSON: make an entity over REST, as another client would.
put() { rest PUT "$1/$2?overwrite=true" "$3" | jq -e .name >/dev/null; }

# wipe: delete everything over REST, rules first, packages last.
wipe() {
	for r in $(rest GET rules | jq -r ".[].name"); do rest DELETE "rules/$r" >/dev/null; done &&
	for t in $(rest GET triggers | jq -r ".[].name"); do rest DELETE "triggers/$t" >/dev/null; done &&
	for a in $(rest GET "actions?limit=0" | jq -r ".[] | (.namespace|sub(\"^[^/]*/?\";\"\")) + \"/\" + .name | ltrimstr(\"/\")"); do
		rest DELETE "actions/$a" >/dev/null; done &&
	for p in $(rest GET packages | jq -r "map(select(.binding.name)) + map(select(.binding.name|not)) | .[].name"); do
		rest DELETE "packages/$p?force=true" >/dev/null; done &&
	test "$(rest GET packages | jq length)$(rest GET actions | jq length)" = 00
}

test_expect_success 'setup over REST: packages, a binding, actions of every sort, a trigger, rules' '
	put packages utils "{\"publish\":true,\"parameters\":[{\"key\":\"g\",\"value\":1}],\"annotations\":[{\"key\":\"about\",\"value\":\"tools\"}]}" &&
	put packages mine "{\"binding\":{\"namespace\":\"guest\",\"name\":\"utils\"},\"parameters\":[{\"key\":\"g\",\"value\":2}]}" &&
	put actions utils/tool "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(a):\\n    return {\\\"g\\\": a.get(\\\"g\\\")}\\n\"}}" &&
	put actions hello "{\"exec\":{\"kind\":\"python:3\",\"main\":\"hi\",\"code\":\"def hi(a):\\n    return {\\\"hi\\\": a.get(\\\"name\\\")}\\n\"},
		\"parameters\":[{\"key\":\"name\",\"value\":\"Ann\"},{\"key\":\"TOKEN\",\"value\":\"s3cret\",\"init\":true},
		{\"key\":\"kind\",\"value\":\"string\"},{\"key\":\"wrapped\",\"value\":{\"value\":1,\"default\":2}},
		{\"key\":\"list\",\"value\":[1,\"two\",{\"three\":3}]},{\"key\":\"text\",\"value\":\"line 1\\nline 2\\n\"},
		{\"key\":\"yes\",\"value\":\"true\"},{\"key\":\"none\",\"value\":null}],
		\"annotations\":[{\"key\":\"web-export\",\"value\":true},{\"key\":\"note\",\"value\":{\"a\":[1,2]}}],
		\"limits\":{\"timeout\":5000,\"memory\":128,\"logs\":1,\"concurrency\":3}}" &&
	printf "def main(a):\n    return {\"zip\": True}\n" >__main__.py &&
	/usr/bin/python3 -c "import zipfile; z = zipfile.ZipFile(\"z.zip\", \"w\"); z.write(\"__main__.py\"); z.close()" &&
	put actions zipped "{\"exec\":{\"kind\":\"python:3\",\"binary\":true,\"code\":\"$(base64 -w0 z.zip)\"}}" &&
	put actions both "{\"exec\":{\"kind\":\"sequence\",\"components\":[\"/guest/hello\",\"/guest/utils/tool\"]},
		\"parameters\":[{\"key\":\"name\",\"value\":\"Bo\"}],\"annotations\":[{\"key\":\"about\",\"value\":\"seq\"}]}" &&
	put actions first "{\"exec\":{\"kind\":\"sequence\",\"components\":[\"/guest/both\",\"/guest/hello\"]}}" &&
	put actions utils/back "{\"exec\":{\"kind\":\"sequence\",\"components\":[\"/guest/utils/tool\",\"/guest/hello\"]}}" &&
	put triggers hot "{\"parameters\":[{\"key\":\"t\",\"value\":0}],\"annotations\":[{\"key\":\"about\",\"value\":\"heat\"}]}" &&
	put rules on "{\"trigger\":\"/guest/hot\",\"action\":\"/guest/hello\"}" &&
	put rules off "{\"trigger\":\"/guest/hot\",\"action\":\"/guest/utils/tool\"}" &&
	rest POST rules/off "{\"status\":\"inactive\"}" >/dev/null &&
	test "$(rest GET rules/off | jq -r .status)" = inactive
'

test_expect_success 'export, wipe, import, export again: the same text' '
	cat "$FAAS/manifest.yaml" >m1.yaml &&
	wipe &&
	within 20 "! test -e $FAAS/actions/hello" &&
	cp m1.yaml "$FAAS/manifest.yaml" &&
	cat "$FAAS/manifest.yaml" >m2.yaml &&
	test_cmp m1.yaml m2.yaml
'

test_expect_success 'a fresh mount reads the same text' '
	mount_stop && mount_start &&
	cat "$FAAS/manifest.yaml" >m3.yaml &&
	test_cmp m1.yaml m3.yaml
'

test_expect_success 'and the namespace is the same: what the text does not show' '
	test "$(rest GET rules/off | jq -r .status)" = inactive &&
	test "$(rest GET rules/on | jq -r .status)" = active &&
	rest GET actions/hello | jq -c "[.parameters, .exec.main, .limits, (.annotations|from_entries|del(.exec))]" >got &&
	echo "[[{\"key\":\"name\",\"value\":\"Ann\"},{\"key\":\"TOKEN\",\"value\":\"s3cret\",\"init\":true},{\"key\":\"kind\",\"value\":\"string\"},{\"key\":\"wrapped\",\"value\":{\"value\":1,\"default\":2}},{\"key\":\"list\",\"value\":[1,\"two\",{\"three\":3}]},{\"key\":\"text\",\"value\":\"line 1\\nline 2\\n\"},{\"key\":\"yes\",\"value\":\"true\"},{\"key\":\"none\",\"value\":null}],\"hi\",{\"timeout\":5000,\"memory\":128,\"logs\":1,\"concurrency\":3},{\"web-export\":true,\"note\":{\"a\":[1,2]},\"provide-api-key\":false}]" >want &&
	jq -c . want >want.c && test_cmp want.c got &&
	test "$(rest GET packages/mine | jq -c .binding)" = "{\"namespace\":\"guest\",\"name\":\"utils\"}" &&
	test "$(rest GET packages/utils | jq -r .publish)" = true &&
	test "$(rest GET actions/zipped | jq -r .exec.code)" = "$(base64 -w0 z.zip)" &&
	test "$(cat $FAAS/actions/zipped/invoke)" = "{\"zip\":true}" &&
	test "$(cat $FAAS/actions/both/invoke)" = "{\"g\":1}" &&
	test "$(rest GET actions/both | jq -c .exec.components)" = "[\"/guest/hello\",\"/guest/utils/tool\"]" &&
	test "$(rest GET actions/both | jq -c "[.parameters, (.annotations|from_entries|.about)]")" = "[[{\"key\":\"name\",\"value\":\"Bo\"}],\"seq\"]" &&
	test "$(rest GET actions/first | jq -c .exec.components)" = "[\"/guest/both\",\"/guest/hello\"]" &&
	test "$(rest GET actions/utils/back | jq -c .exec.components)" = "[\"/guest/utils/tool\",\"/guest/hello\"]"
'

test_done

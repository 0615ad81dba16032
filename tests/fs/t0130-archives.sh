#!/bin/bash
# t0130-archives.sh — a .zip, .tar.gz or .tgz copied into actions/ makes the action named by its stem, its kind told from the content.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'setup: a python zip, a node tgz, a tar.gz with an exec, a zip of nothing runnable' '
	mkdir -p py node ex none &&
	printf "import helper\ndef main(a):\n    return {\"py\": helper.twice(a.get(\"n\", 1))}\n" >py/__main__.py &&
	printf "def twice(n):\n    return 2 * n\n" >py/helper.py &&
	(cd py && /usr/bin/python3 -c "import zipfile; z = zipfile.ZipFile(\"../app.zip\", \"w\"); [z.write(f) for f in (\"__main__.py\", \"helper.py\")]; z.close()") &&
	printf "{\"name\": \"web\", \"main\": \"lib.js\"}\n" >node/package.json &&
	printf "exports.main = (a) => ({node: a.n || 0});\n" >node/lib.js &&
	tar -C node -czf web.tgz . &&
	printf "#!/bin/sh\necho \"{\\\\\"sh\\\\\": 1}\"\n" >ex/exec && chmod +x ex/exec &&
	tar -C ex -czf tool.tar.gz exec &&
	echo "just text" >none/README &&
	(cd none && /usr/bin/python3 -c "import zipfile; z = zipfile.ZipFile(\"../junk.zip\", \"w\"); z.write(\"README\"); z.close()")
'

test_expect_success 'cp app.zip makes app, python:3, and it runs' '
	cp app.zip "$A/" &&
	test -d "$A/app" &&
	test "$(cat $A/app/kind)" = python:3 &&
	test "$(echo "{\"n\":21}" | { cat >&3; cat <&3; } 3<>$A/app/invoke)" = "{\"py\":42}" &&
	cmp app.zip "$A/app/code" && cmp app.zip "$A/app.zip"
'

test_expect_success 'cp web.tgz makes web, of node'"'"'s kind (package.json), and it runs' '
	cp web.tgz "$A/" &&
	test "$(cat $A/web/kind)" = $NODE_KIND &&
	test "$(echo "{\"n\":7}" | { cat >&3; cat <&3; } 3<>$A/web/invoke)" = "{\"node\":7}"
'

test_expect_success 'cp tool.tar.gz makes tool, native (exec), and it runs' '
	cp tool.tar.gz "$A/" &&
	test "$(cat $A/tool/kind)" = native &&
	test "$(cat $A/tool/invoke)" = "{\"sh\":1}"
'

test_expect_success 'an archive with nothing to run fails cp at close, and err says why' '
	! cp junk.zip "$A/" 2>cp.err &&
	grep -q "failed to close" cp.err &&
	tail -n 1 "$FAAS/err" | grep -q "cannot tell the kind of the archive: it has none of __main__.py" &&
	! test -e "$A/junk"
'

test_expect_success 'a new archive over an action'"'"'s NAME.zip replaces its code' '
	printf "def main(a):\n    return {\"v\": 2}\n" >py/__main__.py &&
	(cd py && /usr/bin/python3 -c "import zipfile; z = zipfile.ZipFile(\"../app.zip\", \"w\"); z.write(\"__main__.py\"); z.close()") &&
	cp app.zip "$A/app.zip" &&
	test "$(cat $A/app/invoke)" = "{\"v\":2}"
'

test_done

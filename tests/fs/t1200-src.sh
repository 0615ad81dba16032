#!/bin/bash
# t1200-src.sh — an action as a directory: src/ made by cp -r, read back file by file, edited in place by sed, vim and a rename-style save, nested folders, deletes; one version for a whole copy.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

FAASFS=${DBG_FAASFS:-$FAASFS} fs_start || exit 1
A=$FAAS/actions

# invoke ACTION [JSON]: its result line
invoke() { echo "${2-{\}}" | { cat >&3; cat <&3; } 3<>"$A/$1/invoke" | jq -cS .; }

test_expect_success 'setup: a python tree of 30 files, two folders deep' '
	mkdir -p app/lib/deep &&
	for i in $(seq 1 26); do printf "N = %d\n" $i >app/m$i.py; done &&
	printf "from lib.deep import leaf\nimport lib\ndef main(a):\n    return {\"v\": leaf.V, \"lib\": lib.NAME, \"n\": a.get(\"n\", 0)}\n" >app/__main__.py &&
	printf "NAME = \"lib\"\n" >app/lib/__init__.py &&
	printf "" >app/lib/deep/__init__.py &&
	printf "V = 1\n" >app/lib/deep/leaf.py &&
	test $(find app -type f | wc -l) = 30
'

test_expect_success 'mkdir actions/app, then cp -r app/ into its src: one action, far fewer versions than files, and it runs' '
	mkdir "$A/app" &&
	cp -r app/ "$A/app/src" &&
	test "$(invoke app "{\"n\":3}")" = "{\"lib\":\"lib\",\"n\":3,\"v\":1}" &&
	test "$(cat $A/app/kind)" = python:3 &&
	v=$(cat $A/app/version) && test "${v##*.}" -lt 5 &&
	ls "$A" | grep -qx app
'

test_expect_success 'the tree reads back file by file, ls -l sizes are the files'"'"' own' '
	diff -r app "$A/app/src" &&
	test "$(stat -c %s $A/app/src/lib/deep/leaf.py)" = "$(stat -c %s app/lib/deep/leaf.py)" &&
	(cd app && find . -type f -exec stat -c "%n %s" {} + | sort) >want &&
	(cd "$A/app/src" && find . -type f -exec stat -c "%n %s" {} + | sort) >got &&
	test_cmp want got &&
	test -d "$A/app/src/lib/deep" &&
	/usr/bin/python3 -c "import zipfile,sys; z = zipfile.ZipFile(sys.argv[1]); assert \"lib/deep/leaf.py\" in z.namelist()" "$A/app/code"
'

test_expect_success 'sed -i on a file of the tree: the next invocation runs the new code, one version more' '
	v0=$(cat $A/app/version) &&
	sed -i "s/V = 1/V = 2/" "$A/app/src/lib/deep/leaf.py" &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":2}" &&
	test "$(cat $A/app/version)" != "$v0" &&
	grep -qx "V = 2" "$A/app/src/lib/deep/leaf.py" &&
	! ls -a "$A/app/src/lib/deep" | grep -q "^sed"
'

test_expect_success 'vim edits and saves a file (swap file, backup, fsync): the save runs, no editor file is in the tree' '
	TERM=dumb HOME=$PWD vim -u NONE -i NONE -N -n -es -c "set backup writebackup swapfile" -c "%s/V = 2/V = 3/" -c wq "$A/app/src/lib/deep/leaf.py" </dev/null &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":3}" &&
	! ls -a "$A/app/src/lib/deep" | grep -E "~|\.swp|^4913" &&
	/usr/bin/python3 -c "import zipfile,sys; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert not [x for x in n if x.endswith(\"~\") or x.endswith(\".swp\")], n" "$A/app/code"
'

test_expect_success 'a save by rename (the old file to NAME~, a new one written, the backup removed), as emacs does' '
	mv "$A/app/src/lib/deep/leaf.py" "$A/app/src/lib/deep/leaf.py~" &&
	printf "V = 4\n" >"$A/app/src/lib/deep/leaf.py" &&
	rm "$A/app/src/lib/deep/leaf.py~" &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":4}"
'

test_expect_success 'a save that breaks the code: fsync fails with EINVAL, err says why, the tree keeps it; fixed, it runs' '
	! /usr/bin/python3 -c "
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b\"V = (\n\")
os.fsync(fd)" "$A/app/src/lib/deep/leaf.py" 2>py.err &&
	grep -q "Invalid argument" py.err &&
	grep -q "SyntaxError" "$FAAS/err" &&
	grep -q "SyntaxError" "$A/app/err" &&
	test "$(cat $A/app/src/lib/deep/leaf.py)" = "V = (" &&
	invoke app | grep -q "\"error\"" &&
	printf "V = 5\n" >"$A/app/src/lib/deep/leaf.py" &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":5}"
'

test_expect_success 'nested folders are made with mkdir -p; rm and rm -r take files and folders out' '
	mkdir -p "$A/app/src/extra/a/b" &&
	printf "X = 1\n" >"$A/app/src/extra/a/b/x.py" &&
	rm "$A/app/src/m1.py" &&
	! test -e "$A/app/src/m1.py" &&
	rm -r "$A/app/src/extra" &&
	! test -e "$A/app/src/extra" &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":5}" &&
	/usr/bin/python3 -c "import zipfile,sys; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert \"m1.py\" not in n and not [x for x in n if x.startswith(\"extra\")], n" "$A/app/code" &&
	! rmdir "$A/app/src/lib" 2>/dev/null
'

test_expect_success 'mv inside the tree moves a file; mv of a folder moves what is in it' '
	mv "$A/app/src/m2.py" "$A/app/src/lib/m2.py" &&
	test -f "$A/app/src/lib/m2.py" && ! test -e "$A/app/src/m2.py" &&
	mv "$A/app/src/lib/deep" "$A/app/src/lib/deeper" &&
	test -f "$A/app/src/lib/deeper/leaf.py" &&
	sed -i "s/lib.deep import/lib.deeper import/" "$A/app/src/__main__.py" &&
	test "$(invoke app)" = "{\"lib\":\"lib\",\"n\":0,\"v\":5}"
'

test_expect_success 'a single-file action is the same action as a tree of one file; edited there it stays a single file' '
	py hello "{\"hi\": 1}" &&
	cp hello.py "$A/" &&
	test "$(ls $A/hello/src)" = __main__.py &&
	cmp hello.py "$A/hello/src/__main__.py" &&
	sed -i "s/1/2/" "$A/hello/src/__main__.py" &&
	test "$(invoke hello)" = "{\"hi\":2}" &&
	cmp "$A/hello/code" "$A/hello/src/__main__.py" &&
	printf "X = 1\n" >"$A/hello/src/more.py" &&
	test "$(invoke hello)" = "{\"hi\":2}" &&
	/usr/bin/python3 -c "import zipfile,sys; assert sorted(zipfile.ZipFile(sys.argv[1]).namelist()) == [\"__main__.py\", \"more.py\"]" "$A/hello/code"
'

test_expect_success 'the kind is told from the tree: package.json and a js file make a node action' '
	mkdir -p web &&
	printf "{\"name\": \"web\", \"main\": \"lib.js\"}\n" >web/package.json &&
	printf "exports.main = (a) => ({node: a.n || 0});\n" >web/lib.js &&
	mkdir "$A/web" && cp -r web/ "$A/web/src" &&
	test "$(invoke web "{\"n\":7}")" = "{\"node\":7}" &&
	test "$(cat $A/web/kind)" = $NODE_KIND
'

test_expect_success 'a tree changed through REST shows in src/; a sequence has none' '
	py other "{\"rest\": True}" &&
	rest PUT "actions/hello?overwrite=true" "$(jq -n --rawfile c other.py "{exec:{kind:\"python:3\",code:\$c}}")" >/dev/null &&
	within 20 "grep -q rest $A/hello/src/__main__.py" &&
	printf "hello\n" >"$A/seq.sequence" &&
	! test -e "$A/seq/src"
'

test_done

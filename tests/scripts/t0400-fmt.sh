#!/bin/bash
# t0400-fmt.sh — the house style holds: make fmt changes nothing on a clean
# checkout, and the check names a file that strays from it.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'every C file is in the house style (scripts/fmt --check)' '
	"$TOP/scripts/fmt" --check
'

test_expect_success 'a file out of the style is named by the check, and fmt mends it' '
	mkdir -p tree/scripts tree/lib && cp "$TOP/scripts/fmt" tree/scripts/ &&
	cp "$TOP/.clang-format" tree/ &&
	printf "int f(void) { return 1; }\n" >tree/lib/x.c &&
	(cd tree && git init -q && git add . ) &&
	! tree/scripts/fmt --check 2>err &&
	grep -q "fmt: lib/x.c is not in the house style" err &&
	tree/scripts/fmt && tree/scripts/fmt --check &&
	printf "int\nf(void)\n{\n\treturn 1;\n}\n" >expect &&
	test_cmp expect tree/lib/x.c
'

test_done

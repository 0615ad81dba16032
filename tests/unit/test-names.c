/* test-names.c — entity names, qualified names, kinds and base64 detection (backend/names.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/fns.h"

static void
test_good_names(void **state)
{
	char err[256];
	const char *good[] = { "a",   "hello", "hello_world", "with space", "a.b",  "x@y", "a&b",
		               "a-b", "_",     "9lives",      "end.",       "end-", NULL };
	(void)state;
	for (int i = 0; good[i]; i++)
		assert_int_equal(name_check(good[i], err, sizeof err), 0);
}

static void
test_bad_names(void **state)
{
	char err[256], long_name[300];
	(void)state;
	assert_int_equal(name_check("", err, sizeof err), -EINVAL);
	assert_int_equal(name_check("a/b", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "'/'"));
	assert_int_equal(name_check("a..b", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "'..'"));
	assert_int_equal(name_check("..", err, sizeof err), -EINVAL);
	assert_int_equal(name_check("a\tb", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "0x09"));
	assert_int_equal(name_check("a\x7f", err, sizeof err), -EINVAL);
	assert_int_equal(name_check("-a", err, sizeof err), -EINVAL);
	assert_int_equal(name_check("a ", err, sizeof err), -EINVAL);
	assert_int_equal(name_check("a;b", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "';'"));
	assert_int_equal(name_check("caf\xc3\xa9", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "the character '\xc3\xa9' is not allowed")); /* the whole letter, not a byte */
	assert_int_equal(name_check("\xc3\xa9t\xc3\xa9", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "'\xc3\xa9'"));
	memset(long_name, 'a', 257);
	long_name[257] = 0;
	assert_int_equal(name_check(long_name, err, sizeof err), -EINVAL);
	long_name[256] = 0;
	assert_int_equal(name_check(long_name, err, sizeof err), 0);
}

static void
test_qname(void **state)
{
	char err[256], out[PATH_MAX_LEN + 1];
	Qname q;
	(void)state;
	assert_int_equal(qname_parse("hello", "guest", &q, err, sizeof err), 0);
	assert_string_equal(q.ns, "guest");
	assert_string_equal(q.pkg, "");
	assert_string_equal(q.name, "hello");
	assert_int_equal(qname_parse("pkg/hello", "guest", &q, err, sizeof err), 0);
	assert_string_equal(q.pkg, "pkg");
	assert_int_equal(qname_parse("/other/pkg/hello", "guest", &q, err, sizeof err), 0);
	assert_string_equal(q.ns, "other");
	qname_path(&q, out, sizeof out);
	assert_string_equal(out, "other/pkg/hello");
	qname_key(&q, out, sizeof out);
	assert_string_equal(out, "pkg/hello");
	assert_int_equal(qname_parse("/_/hello", "guest", &q, err, sizeof err), 0);
	assert_string_equal(q.ns, "guest");
	assert_string_equal(q.pkg, "");
	assert_int_equal(qname_parse("/justns", "guest", &q, err, sizeof err), -EINVAL);
	assert_int_equal(qname_parse("a/b/c", "guest", &q, err, sizeof err), -EINVAL);
	assert_int_equal(qname_parse("/a/b/c/d", "guest", &q, err, sizeof err), -EINVAL);
	assert_int_equal(qname_parse("/ns/../x", "guest", &q, err, sizeof err), -EINVAL);
	assert_int_equal(qname_parse("", "guest", &q, err, sizeof err), -EINVAL);
}

static void
test_kinds(void **state)
{
	(void)state;
	assert_string_equal(kind_canonical("python:3"), "python:3");
	assert_string_equal(kind_canonical("python:default"), "python:3");
	assert_string_equal(kind_canonical("nodejs:default"), "nodejs:20");
	assert_string_equal(kind_canonical("blackbox"), "native");
	assert_string_equal(kind_canonical("sequence"), "sequence");
	assert_string_equal(kind_canonical("python:3.11"), "python:3"); /* runs as its family */
	assert_string_equal(kind_canonical("blackbox"), "native");
	assert_null(kind_canonical("cobol"));
	assert_null(kind_canonical("pythonista:3"));
}

static void
test_binary(void **state)
{
	(void)state;
	assert_true(code_is_binary("UEsDBAoAAAAAAA=="));
	assert_true(code_is_binary("  abcd\n"));
	assert_false(code_is_binary("def main(args):\n  return args"));
	assert_false(code_is_binary("abc"));
	assert_false(code_is_binary("ab=c"));
	assert_false(code_is_binary(""));
	assert_false(code_is_binary("a==="));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_names), cmocka_unit_test(test_bad_names), cmocka_unit_test(test_qname),
		cmocka_unit_test(test_kinds),      cmocka_unit_test(test_binary),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

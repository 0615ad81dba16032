/* test-fstext.c — the text forms faasfs reads and writes: limits, rules, names, base64, JSON members found by scanning (fsd/text.c, fsd/b64.c, fsd/scan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dat.h"
#include "fns.h"

static void
test_limits_parse(void **state)
{
	json_t *lim = json_object();
	char err[256];

	(void)state;
	assert_int_equal(limits_parse("timeout 30s\nmemory 512M\n", 24, lim, err, sizeof err), 0);
	assert_int_equal(json_integer_value(json_object_get(lim, "timeout")), 30000);
	assert_int_equal(json_integer_value(json_object_get(lim, "memory")), 512);
	assert_int_equal(limits_parse_line("timeout 1500ms", lim, err, sizeof err), 0);
	assert_int_equal(json_integer_value(json_object_get(lim, "timeout")), 1500);
	assert_int_equal(limits_parse_line("timeout 2m", lim, err, sizeof err), 0);
	assert_int_equal(json_integer_value(json_object_get(lim, "timeout")), 120000);
	assert_int_equal(limits_parse_line("memory 1G", lim, err, sizeof err), 0);
	assert_int_equal(json_integer_value(json_object_get(lim, "memory")), 1024);
	assert_int_equal(limits_parse_line("   ", lim, err, sizeof err), 0);
	json_decref(lim);
}

static void
test_limits_refused(void **state)
{
	json_t *lim = json_object();
	char err[256];

	(void)state;
	assert_int_equal(limits_parse_line("memory 9999M", lim, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	/* past what a long holds, and not a number at all (tests/fuzz/fuzz-text) */
	assert_int_equal(limits_parse_line("logs 1e40", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("timeout nan", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("timeout inf", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("speed 3", lim, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "unknown limit"));
	assert_int_equal(limits_parse_line("timeout soon", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("timeout 30 s", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("concurrency 1.5", lim, err, sizeof err), -EINVAL);
	assert_int_equal(limits_parse_line("timeout 50ms", lim, err, sizeof err), -EINVAL);
	assert_int_equal(json_object_size(lim), 0);
	json_decref(lim);
}

static void
test_limits_format(void **state)
{
	json_t *lim = json_pack("{s:i,s:i,s:i,s:i}", "timeout", 1500, "memory", 256, "logs", 10, "concurrency", 1);
	Buf b = { 0 };

	(void)state;
	limits_format(lim, &b);
	assert_string_equal(b.p, "timeout 1500ms\nmemory 256M\nlogs 10M\nconcurrency 1\n");
	buf_reset(&b);
	json_object_set_new(lim, "timeout", json_integer(60000));
	limits_format(lim, &b);
	assert_string_equal(b.p, "timeout 60s\nmemory 256M\nlogs 10M\nconcurrency 1\n");
	buf_free(&b);
	json_decref(lim);
}

static void
test_rules(void **state)
{
	Ruletext r = { "", "", "active" };
	char err[256];
	Buf b = { 0 };

	(void)state;
	assert_int_equal(rule_parse("hot alert\n", 10, &r, err, sizeof err), 0);
	assert_string_equal(r.trigger, "hot");
	assert_string_equal(r.action, "alert");
	assert_int_equal(rule_parse("status inactive\naction pkg/a\n", 28, &r, err, sizeof err), 0);
	assert_string_equal(r.trigger, "hot");
	assert_string_equal(r.action, "pkg/a");
	assert_string_equal(r.status, "inactive");
	rule_format(&r, &b);
	assert_string_equal(b.p, "trigger hot\naction pkg/a\nstatus inactive\n");
	assert_int_equal(rule_parse("status sleepy\n", 14, &r, err, sizeof err), -EINVAL);
	assert_int_equal(rule_parse("one two three\n", 14, &r, err, sizeof err), -EINVAL);
	assert_int_equal(rule_parse("lonely\n", 7, &r, err, sizeof err), -EINVAL);
	buf_free(&b);
}

static void
test_names(void **state)
{
	size_t bl;

	(void)state;
	assert_string_equal(kind_of_name("hello.py", &bl), "python:3");
	assert_int_equal(bl, 5);
	assert_string_equal(kind_of_name("my.tool.js", &bl), "nodejs:default");
	assert_int_equal(bl, 7);
	assert_string_equal(kind_of_name("x.sh", &bl), "bash");
	assert_null(kind_of_name("hello", &bl));
	assert_null(kind_of_name(".py", &bl));
	assert_string_equal(kind_of_code("\177ELF\2\1", 6), "native");
	assert_string_equal(kind_of_code("#!/bin/sh\n", 10), "native");
	assert_null(kind_of_code("print(1)\n", 9));
	assert_true(is_scratch_name(".hello.py.swp"));
	assert_true(is_scratch_name("hello.py~"));
	assert_true(is_scratch_name("sedAb12Cd"));
	assert_true(is_scratch_name("4913"));
	assert_false(is_scratch_name("hello.py"));
	assert_false(is_scratch_name("sedative"));
	assert_true(is_text("héllo\n", 7));
	assert_false(is_text("a\0b", 3));
	assert_false(is_text("\xff\xfe", 2));
}

static void
test_base64(void **state)
{
	Buf e = { 0 }, d = { 0 };
	const char bin[] = "\0\1\2\377ELF and more";

	(void)state;
	base64_encode(bin, sizeof bin, &e);
	assert_int_equal(base64_decode(e.p, e.n, &d), 0);
	assert_int_equal(d.n, sizeof bin);
	assert_memory_equal(d.p, bin, sizeof bin);
	buf_reset(&e);
	base64_encode("ab", 2, &e);
	assert_string_equal(e.p, "YWI=");
	assert_int_equal(base64_decode("!!", 2, &d), -EINVAL);
	buf_free(&e);
	buf_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_parse),  cmocka_unit_test(test_limits_refused),
		cmocka_unit_test(test_limits_format), cmocka_unit_test(test_rules),
		cmocka_unit_test(test_names),         cmocka_unit_test(test_base64),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

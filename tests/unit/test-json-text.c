/* test-json-text.c — lib/json_text.c writes what json_dumps(JSON_COMPACT) writes, byte for byte, but numbers as written. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/json_text.h"

static void
assert_same(json_t *v)
{
	size_t len = 0;
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *got = json_text(v, &len);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
	json_decref(v);
}

static void
test_parsed(void **state)
{
	static const char *const docs[] = {
		"{}",
		"[]",
		"\"\"",
		"0",
		"-1",
		"9223372036854775807",
		"-9223372036854775808",
		"true",
		"false",
		"null",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{\"e\":{}},\"f\":[[]]}",
		"{\"z\":1,\"a\":2,\"m\":3}",
		"\"quote \\\" backslash \\\\ slash / controls \\b\\f\\n\\r\\t \\u0001 \\u001f \\u007f\"",
		"\"utf-8: \\u00e9 \\u4e2d \\ud83d\\ude00\"",
		"{\"key\":\"nul \\u0000 inside\"}",
		"{\"annotations\":[{\"key\":\"path\",\"value\":\"guest/echo\"},{\"key\":\"waitTime\",\"value\":3}]}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		assert_non_null(v);
		assert_same(v);
	}
}

static void
test_built(void **state)
{
	json_t *o = json_object(), *a = json_array();
	char big[5000];
	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	json_object_set_new(o, "big", json_string(big));
	json_object_set_new(o, "real", json_real(-0.0));
	for (int i = 0; i < 300; i++)
		json_array_append_new(a, json_integer(i * 7919 - 1000));
	json_object_set_new(o, "many", a);
	json_object_del(o, "real"); /* a deleted key leaves the order of the rest */
	json_object_set_new(o, "again", json_true());
	assert_same(o);
	assert_same(json_real(-0.0));
	assert_same(json_real(0.5));
}

static void
assert_text(const char *in, const char *want)
{
	json_t *v = json_loads(in, JSON_DECODE_ANY, NULL);
	char *got = json_text(v, NULL);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

/* A real comes out in the shortest form that reads back as the same double
 * (jansson's own %.17g wrote 0.1 as 0.10000000000000001), so a number a
 * person wrote comes back as written, and every double survives. */
static void
test_reals(void **state)
{
	static const char *const same[] = {
		"0.1",
		"0.2",
		"0.3",
		"-0.1",
		"1.1",
		"3.14",
		"2.5",
		"1.0",
		"-2.25",
		"123456789.125",
		"0.30000000000000004",
		"1e300",
		"1e-300",
		"1.5e-7",
		"1.7976931348623157e308",
		"5e-324",
		"2.2250738585072014e-308",
		"9007199254740993.0",
		"0.1234567890123456",
		"-0.0",
		"[0.1,0.7,{\"x\":1.1}]",
	};
	(void)state;
	assert_text("1e20", "1e20");
	assert_text("3.0e5", "300000.0");
	assert_text("1E+2", "100.0");
	assert_text("0.10", "0.1");
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		json_t *v = json_loads(same[i], JSON_DECODE_ANY, NULL);
		char *got = json_text(v, NULL);
		json_t *back = json_loads(got, JSON_DECODE_ANY, NULL);

		if (strcmp(same[i], "9007199254740993.0") == 0) /* not a double: the nearest one */
			assert_string_equal(got, "9007199254740992.0");
		else
			assert_string_equal(got, same[i]);
		assert_true(json_equal(v, back)); /* and it reads back the same */
		free(got);
		json_decref(v);
		json_decref(back);
	}
}

static void
test_pairs(void **state)
{
	const char *kv[] = { "a", "1", "skipped", NULL, "q\"uote", "line\nbreak", "e", "" };
	char *got = json_text_pairs(kv, 4, NULL);
	(void)state;
	assert_string_equal(got, "{\"a\":\"1\",\"q\\\"uote\":\"line\\nbreak\",\"e\":\"\"}");
	free(got);
	got = json_text_pairs(kv, 0, NULL);
	assert_string_equal(got, "{}");
	free(got);
}

static void
test_unwritable(void **state)
{
	json_t *deep = json_array(), *v = deep;
	(void)state;
	assert_null(json_text(NULL, NULL));
	for (int i = 0; i < 3000; i++) {
		json_t *in = json_array();
		json_array_append_new(v, in);
		v = in;
	}
	assert_null(json_text(deep, NULL)); /* past the depth limit */
	json_decref(deep);
}

/* json_append* add to a Buf what json_text writes; a failure leaves the
 * Buf's text as it was. */
static void
test_append(void **state)
{
	json_t *v = json_loads("{\"a\":[1,\"x\\ny\"],\"b\":null}", 0, NULL);
	const char *want = "\"k\\\"ey\"-42{\"a\":[1,\"x\\ny\"],\"b\":null}";
	char big[3000];
	Buf b = { 0 };
	(void)state;
	assert_int_equal(json_append_string(&b, "k\"ey"), 0);
	assert_int_equal(json_append_int(&b, -42), 0);
	assert_int_equal(json_append(&b, v), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(b.n, strlen(want));
	assert_int_not_equal(json_append(&b, NULL), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(b.n, strlen(want));
	memset(big, 'x', sizeof big - 1); /* grows the buffer more than once */
	big[sizeof big - 1] = 0;
	assert_int_equal(json_append_string(&b, big), 0);
	assert_int_equal(b.n, strlen(want) + sizeof big + 1);
	assert_int_equal(strncmp(b.p, want, strlen(want)), 0);
	free(b.p);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsed), cmocka_unit_test(test_built),      cmocka_unit_test(test_reals),
		cmocka_unit_test(test_pairs),  cmocka_unit_test(test_unwritable), cmocka_unit_test(test_append),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

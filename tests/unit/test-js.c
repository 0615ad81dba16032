/* test-js.c — lib/js_scan.c checks and walks JSON text as jansson reads it; lib/js_text.c writes what json_dumps(JSON_COMPACT) writes, byte for byte, but numbers as written. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/js.h"
#include "../../lib/utf8.h"

static void
assert_same(json_t *v)
{
	size_t len = 0;
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *got = js_text(v, &len);

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
	char *got = js_text(v, NULL);

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
		char *got = js_text(v, NULL);
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
	char *got = js_text_pairs(kv, 4, NULL);
	(void)state;
	assert_string_equal(got, "{\"a\":\"1\",\"q\\\"uote\":\"line\\nbreak\",\"e\":\"\"}");
	free(got);
	got = js_text_pairs(kv, 0, NULL);
	assert_string_equal(got, "{}");
	free(got);
}

static void
test_unwritable(void **state)
{
	json_t *deep = json_array(), *v = deep;
	(void)state;
	assert_null(js_text(NULL, NULL));
	for (int i = 0; i < 3000; i++) {
		json_t *in = json_array();
		json_array_append_new(v, in);
		v = in;
	}
	assert_null(js_text(deep, NULL)); /* past the depth limit */
	json_decref(deep);
}

/* js_append* add to a Buf what js_text writes; a failure leaves the
 * Buf's text as it was. */
static void
test_append(void **state)
{
	json_t *v = json_loads("{\"a\":[1,\"x\\ny\"],\"b\":null}", 0, NULL);
	const char *want = "\"k\\\"ey\"-42{\"a\":[1,\"x\\ny\"],\"b\":null}";
	char big[3000];
	Buf b = { 0 };
	(void)state;
	js_append_string(&b, "k\"ey");
	js_append_int(&b, -42);
	assert_int_equal(js_append(&b, v), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(b.n, strlen(want));
	assert_int_not_equal(js_append(&b, NULL), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(b.n, strlen(want));
	memset(big, 'x', sizeof big - 1); /* grows the buffer more than once */
	big[sizeof big - 1] = 0;
	js_append_string(&b, big);
	assert_int_equal(b.n, strlen(want) + sizeof big + 1);
	assert_int_equal(strncmp(b.p, want, strlen(want)), 0);
	free(b.p);
	json_decref(v);
}

/* js_check accepts what jansson accepts, with the same first byte, and
 * refuses the rest (RFC 8259, nesting up to 512). */
static void
test_check(void **state)
{
	static const char *const good[] = {
		"{}",
		" [ ] ",
		"\"\"",
		"0",
		"-0.5e+3",
		"true",
		"false",
		"null",
		"{\"a\":[1,{\"b\":\"\\u00e9\\n\"}],\"c\":null}",
		"\t{\"k\" : \"v\" }\r\n",
	};
	static const char *const bad[] = {
		"",      " ",     "{",         "}",        "[1,]", "{\"a\":1,}", "{a:1}",       "01",
		"1.",    ".5",    "1e",        "tru",      "nul",  "\"\\x\"",    "\"\\u12g4\"", "\"open",
		"{} {}", "[1 2]", "{\"a\" 1}", "// c\n{}", "+1",
	};
	char deep[2 * 600 + 1], raw[] = "\"a\x01b\"";
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		json_t *v = json_loads(good[i], JSON_DECODE_ANY, NULL);
		const char *p = good[i];

		assert_non_null(v);
		while (*p == ' ' || *p == '\t')
			p++;
		assert_int_equal(js_check(good[i], strlen(good[i])), (unsigned char)*p);
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(js_check(bad[i], strlen(bad[i])), -1);
	assert_int_equal(js_check(raw, strlen(raw)), -1); /* a raw control character */
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	deep[1200] = 0;
	assert_int_equal(js_check(deep, 1200), -1); /* deeper than 512 */
	assert_int_equal(js_check(deep + 600 - 512, 1024), '[');
	assert_int_equal(js_check("{}x", 2), '{'); /* only len bytes count */
}

/* js_member finds a top-level member: a string without its quotes, escapes
 * left as they are; any other value as written; a key given twice, the last,
 * as jansson keeps it. */
static void
test_member(void **state)
{
	static const char run[] = "{\"value\":{\"deadline\":\"1\",\"x\":[1,\"}\"]},\"deadline\":\"1700000000123\","
	                          " \"n\" : -12 , \"q\":\"say \\\"hi\\\"\",\"o\":{\"a\":[]},\"dup\":1,\"dup\":2}";
	const char *v = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(js_member(run, strlen(run), "deadline", &v, &n), '"');
	assert_int_equal(n, 13);
	assert_memory_equal(v, "1700000000123", 13);
	assert_int_equal(js_member(run, strlen(run), "n", &v, &n), '-');
	assert_int_equal(n, 3);
	assert_memory_equal(v, "-12", 3);
	assert_int_equal(js_member(run, strlen(run), "q", &v, &n), '"');
	assert_int_equal(n, strlen("say \\\"hi\\\""));
	assert_memory_equal(v, "say \\\"hi\\\"", n);
	assert_int_equal(js_member(run, strlen(run), "o", &v, &n), '{');
	assert_int_equal(n, strlen("{\"a\":[]}"));
	assert_int_equal(js_member(run, strlen(run), "dup", &v, &n), '2');
	assert_int_equal(js_member(run, strlen(run), "x", &v, &n), -1); /* not at the top */
	assert_int_equal(js_member(run, strlen(run), "", &v, &n), -1);
	assert_int_equal(js_member("[1]", 3, "a", &v, &n), -1);
	assert_int_equal(js_member("{\"\":0}", 6, "", &v, &n), '0');
}

static void
test_fields(void **state)
{
	static const char rec[] = "{\"id\":\"a1\", \"logs\":[\"say \\\"hi\\\"\", \"c:\\\\\", \"}{\"],"
	                          " \"response\":{\"status\":\"success\",\"result\":{\"q\":\"\\\\\\\"\"}}, \"n\":-42}";
	static const char *const keys[] = { "id", "logs", "response", "n", "none" };
	const char *v[5], *ve[5], *r[1], *re[1];
	static const char *const rkeys[] = { "result" };
	static const char cut[] = "{\"id\":\"open\\\"";
	char out[32];

	(void)state;
	assert_int_equal(js_fields(rec, rec + strlen(rec), keys, 5, v, ve), 0);
	assert_int_equal(js_strv(v[0], ve[0], out, sizeof out), 0);
	assert_string_equal(out, "a1");
	assert_int_equal(ve[1] - v[1], (long)strlen("[\"say \\\"hi\\\"\", \"c:\\\\\", \"}{\"]"));
	assert_int_equal(js_intv(v[3], ve[3]), -42);
	assert_null(v[4]);
	assert_int_equal(js_fields(v[2], ve[2], rkeys, 1, r, re), 0);
	assert_int_equal(re[0] - r[0], (long)strlen("{\"q\":\"\\\\\\\"\"}"));
	assert_int_equal(js_elem(v[1], ve[1], 1, r, re), 0);
	assert_int_equal(js_strv(r[0], re[0], out, sizeof out), 0);
	assert_string_equal(out, "c:\\");
	assert_int_equal(js_fields(cut, cut + strlen(cut), keys, 1, v, ve), -1);
}

/* utf8_scrub leaves valid UTF-8 alone and makes each stray byte '?'. */
static void
test_scrub(void **state)
{
	char ok[] = "plain \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", bad[] = "a\xff"
	                                                                    "b\xc0\xafz\xed\xa0\x80!\xe4\xb8";
	(void)state;
	utf8_scrub(ok);
	assert_string_equal(ok, "plain \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
	utf8_scrub(bad);
	assert_string_equal(bad, "a?b??z???"
	                         "!??"); /* (split: ??! is a trigraph) */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),  cmocka_unit_test(test_member), cmocka_unit_test(test_fields),
		cmocka_unit_test(test_scrub),  cmocka_unit_test(test_parsed), cmocka_unit_test(test_built),
		cmocka_unit_test(test_reals),  cmocka_unit_test(test_pairs),  cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_append),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

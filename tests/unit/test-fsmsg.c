/* test-fsmsg.c — splitting writes to invoke and trigger files into messages (fsd/msg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dat.h"
#include "fns.h"

typedef struct Got {
	int n;
	char msg[8][64];
	int json[8];
} Got;

static void
collect(const char *p, size_t n, int json, void *arg)
{
	Got *g = arg;

	snprintf(g->msg[g->n], sizeof g->msg[0], "%.*s", (int)n, p);
	g->json[g->n++] = json;
}

static void
test_json_lines(void **state)
{
	Buf part = { 0 };
	Got g = { 0 };
	char err[256];
	const char *in = "{\"a\":1}\n{\"b\":2}\n  [3]\n";

	(void)state;
	assert_int_equal(msg_split(&part, in, strlen(in), 0, collect, &g, err, sizeof err), 3);
	assert_string_equal(g.msg[0], "{\"a\":1}");
	assert_string_equal(g.msg[1], "{\"b\":2}");
	assert_string_equal(g.msg[2], "[3]");
	assert_true(g.json[2]);
	assert_int_equal(part.n, 0);
	buf_free(&part);
}

static void
test_split_across_writes(void **state)
{
	Buf part = { 0 };
	Got g = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(msg_split(&part, "{\"a\":", 5, 0, collect, &g, err, sizeof err), 0);
	assert_int_equal(msg_split(&part, "1}{\"b\"", 6, 0, collect, &g, err, sizeof err), 1);
	assert_string_equal(g.msg[0], "{\"a\":1}");
	assert_int_equal(msg_split(&part, ":2}", 3, 0, collect, &g, err, sizeof err), 1);
	assert_string_equal(g.msg[1], "{\"b\":2}");
	assert_int_equal(msg_split(&part, "{\"c\"", 4, 0, collect, &g, err, sizeof err), 0);
	assert_int_equal(msg_split(&part, "", 0, 1, collect, &g, err, sizeof err), -EINVAL);
	buf_free(&part);
}

static void
test_raw_and_bad(void **state)
{
	Buf part = { 0 };
	Got g = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(msg_split(&part, "a,b,c\n1,2,3\n", 12, 0, collect, &g, err, sizeof err), 1);
	assert_string_equal(g.msg[0], "a,b,c\n1,2,3\n");
	assert_false(g.json[0]);
	assert_int_equal(msg_split(&part, "{\"t\" 1}\n", 8, 0, collect, &g, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "bad JSON"));
	assert_int_equal(part.n, 0);
	assert_int_equal(msg_split(&part, " \n", 2, 0, collect, &g, err, sizeof err), 0);
	assert_int_equal(g.n, 1);
	/* a NUL byte is no JSON (jansson took it for the end of the text; found by tests/fuzz/fuzz-msg) */
	assert_int_equal(msg_split(&part, "[2\0]\n", 5, 0, collect, &g, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(g.n, 1);
	buf_free(&part);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_split_across_writes),
		cmocka_unit_test(test_raw_and_bad),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

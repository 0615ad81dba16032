/* test-limits.c — action limits: defaults, ranges, merging on update (backend/limits.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/fns.h"

static json_t *
merge(const json_t *old, const char *in, int *rc, char *err, size_t n)
{
	json_t *v = in ? json_loads(in, 0, NULL) : NULL, *out = NULL;
	*rc = limits_merge(old, v, &out, err, n);
	json_decref(v);
	return out;
}

static void
test_defaults(void **state)
{
	char err[256];
	int rc;
	json_t *l = merge(NULL, NULL, &rc, err, sizeof err);
	RunLimits rl;
	(void)state;
	assert_int_equal(rc, 0);
	limits_to_run(l, &rl);
	assert_int_equal(rl.timeout_ms, 60000);
	assert_int_equal(rl.memory_mb, 256);
	assert_int_equal(rl.logs_kb, 10 * 1024);
	assert_int_equal(rl.concurrency, 1);
	json_decref(l);
}

static void
test_ranges(void **state)
{
	char err[256];
	int rc;
	const char *bad[] = { "{\"timeout\":99}",
		              "{\"timeout\":300001}",
		              "{\"memory\":127}",
		              "{\"memory\":2049}",
		              "{\"logs\":-1}",
		              "{\"logs\":11}",
		              "{\"concurrency\":0}",
		              "{\"concurrency\":10001}",
		              "{\"timeout\":1.5}",
		              "{\"timeout\":\"60s\"}",
		              "{\"colour\":1}",
		              "[1]",
		              NULL };
	(void)state;
	for (int i = 0; bad[i]; i++) {
		assert_null(merge(NULL, bad[i], &rc, err, sizeof err));
		assert_int_equal(rc, -EINVAL);
		assert_true(strlen(err) > 10);
	}
	assert_null(merge(NULL, "{\"memory\":64}", &rc, err, sizeof err));
	assert_non_null(strstr(err, "memory limit 64 is out of range: it must be between 128 and 2048 megabytes"));
	json_t *ok = merge(NULL, "{\"timeout\":100,\"memory\":2048,\"logs\":0,\"concurrency\":10000,\"instances\":3}",
	                   &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(json_integer_value(json_object_get(ok, "memory")), 2048);
	assert_null(json_object_get(ok, "instances"));
	json_decref(ok);
}

static void
test_merge_field_by_field(void **state)
{
	char err[256];
	int rc;
	json_t *first = merge(NULL, "{\"timeout\":1000,\"memory\":512}", &rc, err, sizeof err);
	json_t *second = merge(first, "{\"timeout\":2000}", &rc, err, sizeof err);
	(void)state;
	assert_int_equal(json_integer_value(json_object_get(second, "timeout")), 2000);
	assert_int_equal(json_integer_value(json_object_get(second, "memory")), 512);
	assert_int_equal(json_integer_value(json_object_get(first, "timeout")), 1000);
	json_decref(first);
	json_decref(second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_merge_field_by_field),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

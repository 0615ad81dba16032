/* test-cache.c — backend/store_cache.c: a hit, a drop, a replace, and the least recently used out first past CACHE_MAX (2048). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../backend/store_int.h"

static void
test_cache(void **state)
{
	StoreCache *c = cache_new();
	json_t *a = json_pack("{s:s}", "name", "a"), *b = json_pack("{s:s}", "name", "b"), *got;
	char name[32];

	(void)state;
	assert_non_null(c);
	assert_null(cache_get(c, "guest", "actions", "a"));
	cache_put(c, "guest", "actions", "a", a);
	got = cache_get(c, "guest", "actions", "a");
	assert_ptr_equal(got, a);
	json_decref(got);
	assert_null(cache_get(c, "guest", "rules", "a")); /* the collection is part of the key */
	cache_put(c, "guest", "actions", "a", b);         /* a new value replaces the old */
	got = cache_get(c, "guest", "actions", "a");
	assert_ptr_equal(got, b);
	json_decref(got);
	cache_drop(c, "guest", "actions", "a");
	assert_null(cache_get(c, "guest", "actions", "a"));
	/* 3000 in, "keep" read now and then: the oldest others went, keep stayed */
	cache_put(c, "guest", "actions", "keep", a);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "x%d", i);
		cache_put(c, "guest", "actions", name, b);
		if (i % 1000 == 0)
			json_decref(cache_get(c, "guest", "actions", "keep"));
	}
	assert_null(cache_get(c, "guest", "actions", "x0"));
	assert_null(cache_get(c, "guest", "actions", "x951"));
	got = cache_get(c, "guest", "actions", "x2999");
	assert_ptr_equal(got, b);
	json_decref(got);
	got = cache_get(c, "guest", "actions", "x953");
	assert_ptr_equal(got, b);
	json_decref(got);
	got = cache_get(c, "guest", "actions", "keep");
	assert_ptr_equal(got, a);
	json_decref(got);
	cache_free(c);
	json_decref(a);
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_cache) };

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

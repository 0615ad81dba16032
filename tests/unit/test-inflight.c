/* test-inflight.c — proxy/inflight.c: activations by id (Idtab), 10,000 at once (by deadline: lib/heap, test-lib). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../proxy/dat.h"
#include "../../proxy/fns.h"

enum { N = 10000 };

static Act *
acts_new(void)
{
	Act *a = calloc(N, sizeof *a);
	int i;

	assert_non_null(a);
	for (i = 0; i < N; i++) {
		a[i].idlen = (size_t)snprintf(a[i].idbuf, sizeof a[i].idbuf, "%08x%024x", 0x5eed, i);
		a[i].id = a[i].idbuf;
	}
	return a;
}

/* Every act is found by its own id, and only by it; gone ones are not. */
static void
test_idtab(void **state)
{
	Idtab t = { 0 };
	Act *a = acts_new();
	char other[40];
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		idtab_add(&t, &a[i]);
	assert_int_equal(t.count, N);
	assert_true(t.size >= N); /* chains average under one */
	for (i = 0; i < N; i++)
		assert_ptr_equal(idtab_get(&t, a[i].id, a[i].idlen), &a[i]);
	assert_null(idtab_get(&t, a[0].id, a[0].idlen - 1));
	snprintf(other, sizeof other, "%08x%024x", 0x5eed, N);
	assert_null(idtab_get(&t, other, strlen(other)));
	for (i = 0; i < N; i += 2)
		idtab_del(&t, &a[i]);
	idtab_del(&t, &a[0]); /* twice: nothing */
	assert_int_equal(t.count, N / 2);
	for (i = 0; i < N; i++)
		assert_ptr_equal(idtab_get(&t, a[i].id, a[i].idlen), i % 2 ? &a[i] : NULL);
	idtab_free(&t);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idtab),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

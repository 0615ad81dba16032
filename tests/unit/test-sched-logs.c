/* test-sched-logs.c — a container's stdout and stderr split into stamped lines per activation (backend/container_logs.c). */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <uv.h>

#include "../../backend/container_logs.h"

#define SENT LOG_SENTINEL "\n"

typedef struct Fixture {
	uv_loop_t loop;
	Clogs *l;
	int out, err;
	int ended; /* sink callbacks that ran */
} Fixture;

static int
setup(void **state)
{
	Fixture *f = calloc(1, sizeof *f);

	uv_loop_init(&f->loop);
	assert_int_equal(clogs_open(&f->loop, &f->l, &f->out, &f->err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	if (f->l)
		clogs_close(f->l);
	if (f->out >= 0)
		close(f->out);
	if (f->err >= 0)
		close(f->err);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	free(f);
	return 0;
}

static void
ended_cb(Logsink *k, void *arg)
{
	Fixture *f = arg;

	(void)k;
	f->ended++;
}

static void
put(int fd, const char *text, size_t len)
{
	assert_int_equal(write(fd, text, len), (ssize_t)len);
}

#define PUT(fd, s) put(fd, s, sizeof s - 1)

/* Let the loop read what is in the pipes. */
static void
drain(Fixture *f)
{
	int i;

	for (i = 0; i < 20; i++)
		uv_run(&f->loop, UV_RUN_NOWAIT);
}

/* Start collecting an activation's logs into k. */
static void
collect(Fixture *f, Logsink *k, size_t limit)
{
	logsink_init(k, limit, ended_cb, f);
	clogs_add(f->l, k);
}

/* Line i of k, without its time stamp; fails unless the stamp is right. */
static const char *
line(Logsink *k, size_t i)
{
	static regex_t re;
	static int compiled;
	const char *s = json_string_value(json_array_get(k->lines, i));

	if (!compiled++)
		assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z ",
		                         REG_EXTENDED | REG_NOSUB),
		                 0);
	assert_non_null(s);
	assert_int_equal(regexec(&re, s, 0, NULL, 0), 0);
	return s + 28;
}

static void
test_one_activation(void **state)
{
	Fixture *f = *state;
	Logsink k;

	PUT(f->out, "said at init\n");
	drain(f);
	collect(f, &k, 1 << 20);
	PUT(f->out, "out one\n" SENT);
	PUT(f->err, "err one\nXXX_THE_END_OF_A");
	drain(f);
	assert_int_equal(f->ended, 0);
	assert_false(logsink_done(&k));
	PUT(f->err, "_WHISK_ACTIVATION_XXX\n");
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_true(logsink_done(&k));
	assert_int_equal(json_array_size(k.lines), 3);
	assert_string_equal(line(&k, 0), "stdout: said at init");
	assert_string_equal(line(&k, 1), "stdout: out one");
	assert_string_equal(line(&k, 2), "stderr: err one");
	json_decref(k.lines);
}

static void
test_fifo(void **state)
{
	Fixture *f = *state;
	Logsink a, b;

	collect(f, &a, 1 << 20);
	collect(f, &b, 1 << 20);
	PUT(f->out, "first\n" SENT "second\r\n" SENT);
	PUT(f->err, SENT SENT);
	drain(f);
	assert_int_equal(f->ended, 2);
	assert_int_equal(json_array_size(a.lines), 1);
	assert_string_equal(line(&a, 0), "stdout: first");
	assert_int_equal(json_array_size(b.lines), 1);
	assert_string_equal(line(&b, 0), "stdout: second");
	json_decref(a.lines);
	json_decref(b.lines);
}

static void
test_truncation(void **state)
{
	Fixture *f = *state;
	Logsink k;

	collect(f, &k, 10);
	PUT(f->out, "0123\n0123456789\nmore\n" SENT);
	PUT(f->err, SENT);
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_int_equal(json_array_size(k.lines), 2);
	assert_string_equal(line(&k, 0), "stdout: 0123");
	assert_string_equal(line(&k, 1), "stderr: Logs were truncated because the total bytes size exceeds "
	                                 "the limit of 10 bytes.");
	json_decref(k.lines);
}

static void
test_bad_utf8_and_long_lines(void **state)
{
	Fixture *f = *state;
	char big[20000];
	Logsink k;

	memset(big, 'z', sizeof big);
	collect(f, &k, 1 << 20);
	PUT(f->out, "bad \xff\xc3 ok \xc3\xa9\n");
	put(f->out, big, sizeof big);
	PUT(f->out, "\n" SENT);
	PUT(f->err, SENT);
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_int_equal(json_array_size(k.lines), 3);
	assert_string_equal(line(&k, 0), "stdout: bad \xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9");
	assert_int_equal(strlen(line(&k, 1)), 8 + 16384);
	assert_int_equal(strlen(line(&k, 2)), 8 + sizeof big - 16384);
	json_decref(k.lines);
}

static void
test_eof_ends_everyone(void **state)
{
	Fixture *f = *state;
	Logsink k;

	collect(f, &k, 1 << 20);
	PUT(f->out, "last words");
	close(f->out);
	close(f->err);
	f->out = f->err = -1;
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_int_equal(json_array_size(k.lines), 1);
	assert_string_equal(line(&k, 0), "stdout: last words");
	json_decref(k.lines);
}

static void
test_remove(void **state)
{
	Fixture *f = *state;
	Logsink a, b;

	collect(f, &a, 1 << 20);
	collect(f, &b, 1 << 20);
	clogs_remove(f->l, &a); /* a gave up waiting: b is next */
	PUT(f->out, "for b\n" SENT);
	PUT(f->err, SENT);
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_int_equal(json_array_size(a.lines), 0);
	assert_string_equal(line(&b, 0), "stdout: for b");
	json_decref(a.lines);
	json_decref(b.lines);
}

/* b answered first, but the pair of sentinels that came ended a: b takes
 * a's ended place, a goes back to b's and ends with the next pair. */
static void
test_swap(void **state)
{
	Fixture *f = *state;
	Logsink a, b, c;

	collect(f, &a, 1 << 20);
	collect(f, &b, 1 << 20);
	collect(f, &c, 1 << 20);
	PUT(f->out, "x\n" SENT);
	PUT(f->err, SENT);
	drain(f);
	assert_int_equal(f->ended, 1);
	assert_true(logsink_done(&a));
	clogs_swap(f->l, &a, &b);
	assert_true(logsink_done(&b));
	assert_false(logsink_done(&a));
	PUT(f->out, "y\n" SENT);
	drain(f);
	assert_false(logsink_done(&a)); /* its place waits for stderr too */
	PUT(f->err, SENT);
	drain(f);
	assert_true(logsink_done(&a));
	assert_false(logsink_done(&c));
	assert_int_equal(f->ended, 2);
	assert_int_equal(json_array_size(a.lines), 2); /* lines stay where they went */
	assert_string_equal(line(&a, 1), "stdout: y");
	assert_int_equal(json_array_size(b.lines), 0);
	PUT(f->out, "z\n" SENT);
	PUT(f->err, SENT);
	drain(f);
	assert_true(logsink_done(&c));
	assert_string_equal(line(&c, 0), "stdout: z");
	json_decref(a.lines);
	json_decref(b.lines);
	json_decref(c.lines);
}

/* Many activations in one container: stdout runs ahead of stderr by all of
 * them, and some leave the queue from the middle before their output;
 * every line still goes to its own activation, in order. */
static void
test_crowd(void **state)
{
	enum { N = 3000 };
	Fixture *f = *state;
	Logsink *k = calloc(N, sizeof *k);
	char text[128], want[64];
	int i, n, kept = 0;

	assert_non_null(k);
	for (i = 0; i < N; i++)
		collect(f, &k[i], 1 << 20);
	for (i = 0; i < N; i += 3)
		clogs_remove(f->l, &k[i]);
	for (int w = 0; w < 2; w++)
		for (i = 0; i < N; i++) {
			if (i % 3 == 0)
				continue;
			n = snprintf(text, sizeof text, "%s %d\n" SENT, w ? "err" : "out", i);
			put(w ? f->err : f->out, text, (size_t)n);
			if (i % 64 == 0)
				drain(f); /* the pipe holds 64 KiB */
		}
	drain(f);
	for (i = 0; i < N; i++) {
		if (i % 3 == 0) {
			assert_int_equal(json_array_size(k[i].lines), 0);
		} else {
			kept++;
			assert_int_equal(json_array_size(k[i].lines), 2);
			snprintf(want, sizeof want, "stdout: out %d", i);
			assert_string_equal(line(&k[i], 0), want);
			snprintf(want, sizeof want, "stderr: err %d", i);
			assert_string_equal(line(&k[i], 1), want);
		}
		json_decref(k[i].lines);
	}
	assert_int_equal(f->ended, kept);
	free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_activation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_utf8_and_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_ends_everyone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crowd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test-lib.c — lib/buf.c, lib/base64.c, lib/num.c, lib/map.c, lib/mem.c and lib/heap.c: growth, offsets, round trips, lenient decoding, checked numbers, the map and its hash, out of memory, the heap. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "base64.h"
#include "buf.h"
#include "heap.h"
#include "log.h"
#include "map.h"
#include "mem.h"
#include "num.h"

static void
test_buf_growth(void **state)
{
	Buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		buf_add(&b, "x", 1);
	assert_int_equal(b.n, 10000);
	assert_true(b.cap > b.n);
	assert_int_equal(b.p[b.n], '\0');
	assert_int_equal(strspn(b.p, "x"), 10000);
	buf_printf(&b, "%d-%s", 42, "end");
	assert_string_equal(b.p + 10000, "42-end");
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.n + b.cap, 0);
}

static void
test_buf_edit(void **state)
{
	Buf b = { 0 };

	(void)state;
	buf_str(&b, "hello world");
	buf_consume(&b, 6);
	assert_string_equal(b.p, "world");
	buf_pwrite(&b, "!", 1, 7);
	assert_int_equal(b.n, 8);
	assert_memory_equal(b.p, "world\0\0!", 8);
	buf_pwrite(&b, "W", 1, 0);
	assert_int_equal(b.n, 8);
	assert_int_equal(b.p[0], 'W');
	buf_consume(&b, 100);
	assert_int_equal(b.n, 0);
	assert_string_equal(b.p, "");
	buf_str(&b, "again");
	buf_reset(&b);
	assert_string_equal(b.p, "");
	buf_free(&b);
}

static void
check_encode(const char *in, const char *want)
{
	Buf b = { 0 };

	base64_encode(in, strlen(in), &b);
	assert_non_null(b.p);
	assert_string_equal(b.p, want);
	buf_free(&b);
}

static void
test_encode(void **state)
{
	(void)state;
	check_encode("", "");
	check_encode("f", "Zg==");
	check_encode("fo", "Zm8=");
	check_encode("foo", "Zm9v");
	check_encode("foobar", "Zm9vYmFy");
}

static void
test_round_trip(void **state)
{
	unsigned char bin[1000];
	Buf e = { 0 }, d = { 0 };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 131 + 7);
	for (n = 0; n < 8; n++) {
		buf_reset(&e);
		buf_reset(&d);
		base64_encode(bin, n, &e);
		assert_int_equal(base64_decode(e.p, e.n, &d), 0);
		assert_int_equal(d.n, n);
		assert_memory_equal(d.p, bin, n);
	}
	buf_reset(&e);
	buf_reset(&d);
	base64_encode(bin, sizeof bin, &e);
	assert_int_equal(e.n, (sizeof bin + 2) / 3 * 4);
	assert_int_equal(base64_decode(e.p, e.n, &d), 0);
	assert_int_equal(d.n, sizeof bin);
	assert_memory_equal(d.p, bin, sizeof bin);
	buf_free(&e);
	buf_free(&d);
}

static void
check_decode(const char *in, const void *want, size_t n)
{
	Buf b = { 0 };

	assert_int_equal(base64_decode(in, strlen(in), &b), 0);
	assert_int_equal(b.n, n);
	assert_memory_equal(b.p, want, n);
	assert_int_equal(b.p[b.n], '\0');
	buf_free(&b);
}

static void
test_decode_lenient(void **state)
{
	(void)state;
	check_decode("Zm9vYmFy", "foobar", 6);
	check_decode("Zm8=", "fo", 2);
	check_decode("Zm8", "fo", 2);                   /* padding left off */
	check_decode("Zm9v\nYm\r\n Fy\t", "foobar", 6); /* broken into lines */
	check_decode("-_-_", "\xfb\xff\xbf", 3);        /* URL-safe */
	check_decode("+/+/", "\xfb\xff\xbf", 3);        /* standard */
	check_decode("dXNlcjpwYXNz", "user:pass", 9);
}

static void
test_decode_invalid(void **state)
{
	Buf b = { 0 };

	(void)state;
	buf_str(&b, "kept");
	assert_int_equal(base64_decode("Zm9v!", 5, &b), -EINVAL);
	assert_int_equal(base64_decode("Zm.9", 4, &b), -EINVAL);
	assert_int_equal(base64_decode("Zm9v\0", 5, &b), -EINVAL);
	assert_string_equal(b.p, "kept"); /* appends nothing on error */
	assert_int_equal(b.n, 4);
	assert_int_equal(base64_decode("Zm9v", 4, &b), 0); /* appends on success */
	assert_string_equal(b.p, "keptfoo");
	buf_free(&b);
}

/* num_int takes a whole decimal in range and nothing else: atoi read
 * "abc" as 0 and "8080x" as 8080. */
static void
test_num(void **state)
{
	static const char *const bad[] = { NULL,   "",    "abc",   "8080x", "1.5",
		                           "0x10", "1e3", "65536", "-1",    "9223372036854775808" };
	int64_t v = 7;

	(void)state;
	assert_int_equal(num_int("8080", 0, 65535, &v), 0);
	assert_int_equal(v, 8080);
	assert_int_equal(num_int("0", 0, 65535, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(num_int("65535", 0, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(num_int("-12", -100, 100, &v), 0);
	assert_int_equal(v, -12);
	assert_int_equal(num_int("9223372036854775807", 0, INT64_MAX, &v), 0);
	assert_int_equal(v, INT64_MAX);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 7;
		assert_int_equal(num_int(bad[i], 0, 65535, &v), -EINVAL);
		assert_int_equal(v, 7); /* untouched */
	}
}

static void
test_map(void **state)
{
	Map m = { 0 };
	char key[32];
	int i, vals[1000];

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		vals[i] = i;
		assert_null(map_put(&m, key, &vals[i]));
	}
	assert_int_equal(m.count, 1000);
	assert_int_equal(*(int *)map_get(&m, "k777"), 777);
	assert_ptr_equal(map_put(&m, "k1", &vals[2]), &vals[1]); /* the value it replaces */
	assert_ptr_equal(map_put(&m, "k1", &vals[1]), &vals[2]);
	assert_int_equal(m.count, 1000);
	assert_ptr_equal(map_del(&m, "k777"), &vals[777]);
	assert_null(map_get(&m, "k777"));
	assert_int_equal(m.count, 999);
	map_free(&m);
	assert_int_equal(m.count, 0);
}

static int dropped;

static void
drop_count(void *val)
{
	dropped += *(int *)val;
}

/* map_free_with drops every value once. */
static void
test_map_free_with(void **state)
{
	Map m = { 0 };
	int vals[3] = { 1, 10, 100 };

	(void)state;
	map_put(&m, "a", &vals[0]);
	map_put(&m, "b", &vals[1]);
	map_put(&m, "c", &vals[2]);
	map_free_with(&m, drop_count);
	assert_int_equal(dropped, 111);
	assert_int_equal(m.count, 0);
	assert_null(map_get(&m, "a"));
}

/* map_each may delete the entry it is given; the one hash is FNV-1a, at 64
 * bits and at 32 (Knative names hold the 32: they must stay as they are). */
static void
drop_odd(const char *key, void *val, void *arg)
{
	if (*(int *)val % 2)
		map_del(arg, key);
}

static void
test_map_each_hash(void **state)
{
	Map m = { 0 };
	char key[32];
	int i, vals[100];

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		vals[i] = i;
		map_put(&m, key, &vals[i]);
	}
	map_each(&m, drop_odd, &m);
	assert_int_equal(m.count, 50);
	assert_non_null(map_get(&m, "k42"));
	assert_null(map_get(&m, "k43"));
	map_free(&m);
	assert_true(str_hash("") == 0x14650fb0739d0383ULL); /* the basis it has always had */
	assert_true(str_hash("a") == 0x44bd8ad473cd9906ULL);
	assert_true(str_hash32("") == 0x811c9dc5u);
	assert_true(str_hash32("a") == 0xe40c292cu);
	assert_true(str_hash32("foobar") == 0xbf9cf968u);
}

/* An allocation the system refuses aborts the program, the log naming it
 * and the size (lib/mem.c). Under ASan, whose malloc reports a size that
 * big itself, oom() is called directly. */
static void
test_oom(void **state)
{
	char out[512] = "", want[128];
	size_t n = 0;
	ssize_t got;
	int fds[2], status;
	pid_t pid;

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	snprintf(want, sizeof want, "test-lib error: out of memory allocating %zu bytes\n", (size_t)12345);
#else
	snprintf(want, sizeof want, "test-lib error: out of memory allocating %zu bytes\n", SIZE_MAX / 2);
#endif
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		dup2(fds[1], 2);
		log_prog = "test-lib";
#ifndef __SANITIZE_ADDRESS__
		emalloc(SIZE_MAX / 2);
#endif
		oom(12345);
	}
	close(fds[1]);
	while (n < sizeof out - 1 && (got = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
		n += (size_t)got;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, want));
}

enum { HEAP_N = 10000 };

typedef struct Timed {
	int64_t deadline;
	Heapnode hn;
} Timed;

/* Nodes leave from the middle as their runs end; the top is always the
 * earliest deadline of those left (ties too), 10,000 at once. */
static void
test_heap(void **state)
{
	Heap h = { 0 };
	Timed *a = calloc(HEAP_N, sizeof *a), *top;
	Heapnode *x;
	int64_t last = 0;
	int i, left = HEAP_N;

	(void)state;
	assert_non_null(a);
	srand(16);
	for (i = 0; i < HEAP_N; i++) {
		a[i].deadline = 1000 + rand() % 5000;
		heap_push(&h, &a[i].hn, a[i].deadline);
	}
	for (i = 0; i < HEAP_N; i += 3, left--)
		heap_remove(&h, &a[i].hn);
	heap_remove(&h, &a[0].hn); /* in none: nothing */
	assert_int_equal(h.n, left);
	while ((x = heap_first(&h)) != NULL) {
		top = heap_owner(x, Timed, hn);
		assert_true(top->deadline >= last);
		for (i = 0; i < HEAP_N; i += 97)
			assert_true(a[i].hn.at == 0 || a[i].deadline >= top->deadline);
		last = top->deadline;
		heap_remove(&h, x);
		assert_int_equal(x->at, 0);
		left--;
	}
	assert_int_equal(left, 0);
	heap_free(&h);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_edit),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_lenient),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_map_free_with),
		cmocka_unit_test(test_map_each_hash),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_heap),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* invoke.c — one blocking invocation through the file system and through REST, timed alike.
 *
 * usage: invoke INVOKE-FILE URL USER:KEY N
 *
 * Both ways are timed by this one C process with the same clock, N times
 * each, one of each in turn, after a warm-up:
 *   fs    open(INVOKE-FILE, O_RDWR), write "{}", read to EOF, close;
 *   rest  POST "{}" to URL (…?blocking=true&result=true) with libcurl's easy
 *         interface on one kept-alive connection, the answer read whole.
 * Prints the p50 and p90 of each in µs and what the file system adds.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	qsort(v, n, sizeof *v, cmp);
	return v[(int)(p * (n - 1))];
}

static char got[65536];
static size_t ngot;

static int
fs_invoke(const char *path)
{
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDWR);

	if (fd < 0 || write(fd, "{}", 2) != 2)
		return -1;
	ngot = 0;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (ngot == 0) {
			memcpy(got, buf, r);
			ngot = r;
		}
	close(fd);
	return r < 0 || ngot == 0 ? -1 : 0;
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	(void)arg;
	if (ngot + size * n < sizeof got) {
		memcpy(got + ngot, p, size * n);
		ngot += size * n;
	}
	return size * n;
}

static int
rest_invoke(CURL *c)
{
	long status = 0;

	ngot = 0;
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status == 200 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct curl_slist *h;
	double *fs, *rest, t;
	int n, i, nf = 0, nr = 0;
	CURL *c;

	if (argc != 5 || (n = atoi(argv[4])) < 4) {
		fprintf(stderr, "usage: invoke INVOKE-FILE URL USER:KEY N\n");
		return 2;
	}
	fs = calloc(n, sizeof *fs);
	rest = calloc(n, sizeof *rest);
	c = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, argv[2]);
	curl_easy_setopt(c, CURLOPT_USERPWD, argv[3]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	for (i = 0; i < 100; i++)
		if (fs_invoke(argv[1]) < 0 || rest_invoke(c) < 0) {
			fprintf(stderr, "invoke: warm-up failed: %.*s\n", (int)ngot, got);
			return 1;
		}
	/* one of each in turn, so both see the same machine: on a shared VM
	 * its speed drifts by tens of percent within seconds */
	for (i = 0; i < n; i++) {
		t = now_us();
		if (fs_invoke(argv[1]) < 0)
			return 1;
		fs[nf++] = now_us() - t;
		t = now_us();
		if (rest_invoke(c) < 0)
			return 1;
		rest[nr++] = now_us() - t;
	}
	printf("fs   p50 %7.1f µs  p90 %7.1f µs\n", pct(fs, nf, .5), pct(fs, nf, .9));
	printf("rest p50 %7.1f µs  p90 %7.1f µs\n", pct(rest, nr, .5), pct(rest, nr, .9));
	printf("adds p50 %7.1f µs\n", pct(fs, nf, .5) - pct(rest, nr, .5));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return 0;
}

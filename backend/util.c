/* util.c — small helpers: clocks, random ids, JSON strings that are never NULL, string copies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fns.h"
#include "log.h"

/* Plan 9's strecpy: copy from to `to`, cut short so that it and its NUL
 * end before e; returns where the NUL is, for the next piece. An
 * snprintf(to, n, "%s", from) costs a format's parse, some 800
 * instructions, and the request path has a dozen of them. */
char *
strecpy(char *to, char *e, const char *from)
{
	size_t n;

	if (to >= e)
		return to;
	n = strnlen(from, (size_t)(e - to) - 1);
	memcpy(to, from, n);
	to[n] = 0;
	return to + n;
}

int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n random bytes from the kernel; a short read is retried. */
int
random_bytes(void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			got += r;
	}
	return 0;
}

/* nhex lower-case hex characters from the kernel's randomness: for
 * credentials (a proxy's token, API keys), which must not be guessable.
 * Without the kernel's randomness there are none to make: that aborts, as
 * running out of memory does, rather than hand out a guessable one. */
void
random_hex(char *out, size_t nhex)
{
	unsigned char b[64];
	size_t n = (nhex + 1) / 2;
	int rc;

	if (n > sizeof b)
		n = sizeof b;
	if ((rc = random_bytes(b, n)) < 0) {
		log_error("getrandom: %s: no credential can be made", strerror(-rc));
		abort();
	}
	for (size_t i = 0; i < nhex && i / 2 < n; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nhex] = 0;
}

/* A 32-hex-character id (activations, error codes): unique, not secret, so
 * xoshiro256** seeded once from the kernel instead of a syscall each. */
void
id_new(char out[33])
{
	static uint64_t s[4];
	static int seeded;

	if (!seeded) {
		random_bytes(s, sizeof s);
		seeded = 1;
	}
	for (int w = 0; w < 2; w++) {
		uint64_t r = s[1] * 5, t = s[1] << 17;
		r = ((r << 7) | (r >> 57)) * 9;
		s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t;
		s[3] = (s[3] << 45) | (s[3] >> 19);
		for (int i = 0; i < 16; i++)
			out[w * 16 + i] = "0123456789abcdef"[(r >> (60 - 4 * i)) & 15];
	}
	out[32] = 0;
}

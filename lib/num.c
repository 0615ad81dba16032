/* num.c — a whole number from text a person wrote, checked.
 *
 * atoi reads "abc" as 0 and "8080x" as 8080, so PORT=abc listened on a port
 * the kernel chose: every number a person gives any of the programs is read
 * here instead, and anything but a decimal number in range is refused, for
 * the caller to say so where the person looks.
 */
#include <errno.h>
#include <stdlib.h>

#include "num.h"

/* The decimal s (a sign allowed, nothing after the digits) into *out when
 * it is within min..max: 0, or -EINVAL (NULL, empty, not a number, out of
 * range). */
int
num_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

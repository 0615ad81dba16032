/* buf.c — fsd's additions to lib's Buf (JSON lines) and the clock. */
#include <errno.h>
#include <stdlib.h>
#include "dat.h"
#include "fns.h"

/* A json value as one line of text with a newline; 0, or -EINVAL for a
 * value that cannot be written (js_text). */
int
buf_json(Buf *b, json_t *v)
{
	char *s = js_text(v, NULL);

	if (s == NULL)
		return -EINVAL;
	buf_str(b, s);
	free(s);
	buf_add(b, "\n", 1);
	return 0;
}

int64_t
now_ms(void)
{
	uv_timeval64_t tv;

	uv_gettimeofday(&tv);
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

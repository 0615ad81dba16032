/* log.c — one-line log messages on stderr (or a file) with time and level. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "log.h"

int log_level = LOG_INFO;
const char *log_prog = "faasfs";
static FILE *out; /* NULL: stderr */

/* Lines go to the file at path from now on, appended, each written at once
 * (no child inherits it). 0 or -errno. */
int
log_open(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	if (out != NULL)
		fclose(out);
	out = f;
	return 0;
}

void
logf_(int level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	char when[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	FILE *f = out ? out : stderr;

	fprintf(f, "%s.%03ldZ %s %s: ", when, ts.tv_nsec / 1000000, log_prog, names[level]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

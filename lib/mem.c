/* mem.c — one answer to running out of memory: abort, saying so.
 *
 * As in redis (zmalloc's zmalloc_oom_handler) and Plan 9 (emalloc in every
 * program), a failed allocation is not an error a caller can do anything
 * useful with: a server out of memory is about to be killed anyway, and
 * every path that carried -ENOMEM up was a path no test ever took. So
 * nothing here returns NULL: the log gets one line naming the program and
 * the size wanted, and the process aborts (a core, and the supervisor
 * restarts it). The libraries we call allocate through the same functions
 * (mem_init.c, mem_curl.c), so a jansson constructor fails only for bad input (invalid
 * UTF-8, a NULL argument), never for memory. Errors the kernel gives for
 * memory (fork's, mmap's ENOMEM) are errnos like any other and pass through. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "mem.h"

/* n 0: a library that allocates on its own (libyaml, libarchive) failed. */
_Noreturn void
oom(size_t n)
{
	if (n > 0)
		log_error("out of memory allocating %zu bytes", n);
	else
		log_error("out of memory");
	abort();
}

void *
emalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL && n > 0)
		oom(n);
	return p;
}

void *
ecalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb, size);

	if (p == NULL && nmemb > 0 && size > 0)
		oom(nmemb * size);
	return p;
}

/* realloc(p, 0) frees p (glibc) and gives NULL: not a failure. */
void *
erealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n > 0)
		oom(n);
	return q;
}

char *
estrdup(const char *s)
{
	return ememdup(s, strlen(s) + 1);
}

/* At most n bytes of s, NUL-terminated. */
char *
estrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = emalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *
ememdup(const void *p, size_t n)
{
	void *q = emalloc(n > 0 ? n : 1);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

char *
easprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return s;
}

/* mem.h — memory that cannot run out: allocation failure aborts (mem.c). */
#ifndef FAAS_MEM_H
#define FAAS_MEM_H

#include <stddef.h>

/* As malloc, calloc, realloc, strdup, strndup and asprintf, but never NULL:
 * when the system has no memory left they log the size wanted and abort. */
void *emalloc(size_t n);
void *ecalloc(size_t nmemb, size_t size);
void *erealloc(void *p, size_t n);
char *estrdup(const char *s);
char *estrndup(const char *s, size_t n);
void *ememdup(const void *p, size_t n);
char *easprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log "out of memory allocating n bytes" under the program's name; abort.
 * n 0 when a library that cannot allocate through us says it had none. */
_Noreturn void oom(size_t n);

/* First thing in main: jansson's and libuv's allocations go through
 * emalloc too, so they never fail either (mem_init.c). mem_curl does the
 * same for libcurl in the programs that link it, and the backend's
 * store_mem for SQLite. */
void mem_init(void);
int mem_curl(void); /* mem_curl.c */

#endif

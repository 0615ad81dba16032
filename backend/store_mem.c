/* store_mem.c — SQLite allocates through lib's emalloc (mem.c): out of
 * memory aborts there as everywhere else, instead of coming back as
 * SQLITE_NOMEM on whichever statement happened to need the memory. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <sqlite3.h>
#include "mem.h"

static void *
sq_malloc(int n)
{
	return emalloc(n);
}

static void *
sq_realloc(void *p, int n)
{
	return erealloc(p, n);
}

static int
sq_size(void *p)
{
	return (int)malloc_usable_size(p);
}

static int
sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
sq_init(void *data)
{
	(void)data;
	return SQLITE_OK;
}

static void
sq_shutdown(void *data)
{
	(void)data;
}

/* In main, before SQLite is first used. 0 or -EIO. */
int
store_mem(void)
{
	static const sqlite3_mem_methods m = {
		sq_malloc, free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL,
	};

	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -EIO;
}

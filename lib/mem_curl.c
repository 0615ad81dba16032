/* mem_curl.c — libcurl allocates through mem.c's functions (its own file:
 * only the programs that link libcurl pull it in). */
#include <errno.h>
#include <stdlib.h>
#include <curl/curl.h>
#include "mem.h"

/* Instead of curl_global_init, before any other libcurl call (again is
 * nothing). 0 or -EIO. */
int
mem_curl(void)
{
	static int done;

	if (done)
		return 0;
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, emalloc, free, erealloc, estrdup, ecalloc) != CURLE_OK)
		return -EIO;
	done = 1;
	return 0;
}

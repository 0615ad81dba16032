/* mem_init.c — jansson and libuv allocate through mem.c's functions (its
 * own file: a unit test that links lib for emalloc needs neither library). */
#include <stdlib.h>
#include <jansson.h>
#include <uv.h>
#include "mem.h"

void
mem_init(void)
{
	json_set_alloc_funcs(emalloc, free);
	uv_replace_allocator(emalloc, erealloc, ecalloc, free);
}

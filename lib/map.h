/* map.h — a string-keyed hash table with chaining, and the one string hash (map.c). */
#ifndef FAAS_MAP_H
#define FAAS_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct Mapent Mapent;
/* Zero-initialised ({0}) it is empty. */
typedef struct Map {
	Mapent **tab;
	size_t size; /* buckets, a power of two */
	size_t count;
} Map;

uint64_t str_hash(const char *s);
uint32_t str_hash32(const char *s);
void *map_get(Map *m, const char *key);
void *map_put(Map *m, const char *key, void *val);
void *map_del(Map *m, const char *key);
void map_each(Map *m, void (*fn)(const char *key, void *val, void *arg), void *arg);
void map_free(Map *m);
void map_free_with(Map *m, void (*drop)(void *val));

#endif

/* map.c — a string-keyed hash table with chaining (the file server's nodes and entities, the backend's pools and cache), and the one string hash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "mem.h"

struct Mapent {
	Mapent *next;
	uint64_t hash;
	void *val;
	char key[]; /* allocated with the entry: one malloc a put, one free a delete */
};

/* FNV-1a of a string (Fowler, Noll, Vo: http://www.isthe.com/chongo/tech/comp/fnv/),
 * from an offset basis of its own (FNV's 14695981039346656037 short of its
 * last digit, as the file server has always had it: its inode numbers and
 * the order of its maps stay as they were): the map's buckets, the file
 * server's inode numbers. */
uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The same at 32 bits: the 8 hex digits in a Knative Service's name and
 * labels (backend/ksvc.c), which must stay what running clusters hold. */
uint32_t
str_hash32(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
mapgrow(Map *m)
{
	size_t nsize = m->size ? m->size * 2 : 64;
	Mapent **ntab = ecalloc(nsize, sizeof *ntab);
	size_t i;

	for (i = 0; i < m->size; i++) {
		Mapent *e, *next;
		for (e = m->tab[i]; e != NULL; e = next) {
			next = e->next;
			e->next = ntab[e->hash & (nsize - 1)];
			ntab[e->hash & (nsize - 1)] = e;
		}
	}
	free(m->tab);
	m->tab = ntab;
	m->size = nsize;
}

static Mapent **
mapslot(Map *m, const char *key, uint64_t h)
{
	Mapent **pp;

	for (pp = &m->tab[h & (m->size - 1)]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
			break;
	return pp;
}

void *
map_get(Map *m, const char *key)
{
	Mapent **pp;

	if (m->size == 0)
		return NULL;
	pp = mapslot(m, key, str_hash(key));
	return *pp ? (*pp)->val : NULL;
}

/* Set key to val; returns the value it replaces, or NULL (one lookup
 * where a get then a put would hash the key twice). */
void *
map_put(Map *m, const char *key, void *val)
{
	uint64_t h = str_hash(key);
	Mapent **pp, *e;
	size_t len;
	void *old;

	if ((m->count + 1) * 4 > m->size * 3)
		mapgrow(m);
	pp = mapslot(m, key, h);
	if (*pp != NULL) {
		old = (*pp)->val;
		(*pp)->val = val;
		return old;
	}
	len = strlen(key);
	e = emalloc(sizeof *e + len + 1);
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->val = val;
	e->next = NULL;
	*pp = e;
	m->count++;
	return NULL;
}

/* Remove key; returns its value or NULL. */
void *
map_del(Map *m, const char *key)
{
	Mapent **pp, *e;
	void *val;

	if (m->size == 0)
		return NULL;
	pp = mapslot(m, key, str_hash(key));
	if ((e = *pp) == NULL)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e);
	m->count--;
	return val;
}

/* Call fn on every entry; fn may delete the entry it is given, and change
 * the map no other way. */
void
map_each(Map *m, void (*fn)(const char *key, void *val, void *arg), void *arg)
{
	size_t i;
	Mapent *e, *next;

	for (i = 0; i < m->size; i++)
		for (e = m->tab[i]; e != NULL; e = next) {
			next = e->next;
			fn(e->key, e->val, arg);
		}
}

/* Empty m, its values dropped by drop (when not NULL): free for a malloc'd value. */
void
map_free_with(Map *m, void (*drop)(void *val))
{
	size_t i;
	Mapent *e, *next;

	for (i = 0; i < m->size; i++)
		for (e = m->tab[i]; e != NULL; e = next) {
			next = e->next;
			if (drop)
				drop(e->val);
			free(e);
		}
	free(m->tab);
	memset(m, 0, sizeof *m);
}

/* Empty m; its values are the caller's. */
void
map_free(Map *m)
{
	map_free_with(m, NULL);
}

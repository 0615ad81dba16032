/* store_cache.c — parsed entities kept in memory, least recently used out first.
 *
 * An action's JSON holds its code, often tens of kilobytes of base64;
 * parsing it again for every invocation would cost more than the rest of
 * the invocation together. This process is the store's only writer of
 * entities, so a cached entity is valid until this process changes it:
 * store_entity_put and store_entity_del drop the entry in the same call.
 * The cache holds at most CACHE_MAX entities, so memory stays bounded with
 * any number of actions. Entries are shared and read-only: whoever wants
 * to change one gets a copy (store_entity_get).
 */
#include <stdio.h>
#include <string.h>

#include "store.h"

enum { CACHE_BUCKETS = 4096, CACHE_MAX = 2048 };

typedef struct centry {
	struct centry *hnext;       /* hash chain */
	struct centry *prev, *next; /* LRU list, most recent first */
	unsigned hash;
	json_t *doc;
	char key[]; /* "ns\0coll\0name" flattened as "ns/coll/name" */
} centry;

struct store_cache {
	centry *bucket[CACHE_BUCKETS];
	centry *head, *tail;
	int n;
	int64_t hits, misses;
};

static unsigned
hash_key(const char *k)
{
	unsigned h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

static void
make_key(char *out, size_t n, const char *ns, const char *coll, const char *name)
{
	char *e = out + n;

	out = strecpy(out, e, ns);
	out = strecpy(out, e, "\x1f");
	out = strecpy(out, e, coll);
	out = strecpy(out, e, "\x1f");
	strecpy(out, e, name);
}

store_cache *
cache_new(void)
{
	return calloc(1, sizeof(store_cache));
}

static void
lru_unlink(store_cache *c, centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(store_cache *c, centry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void
entry_drop(store_cache *c, centry *e)
{
	centry **pp = &c->bucket[e->hash % CACHE_BUCKETS];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	json_decref(e->doc);
	free(e);
	c->n--;
}

static centry *
find(store_cache *c, const char *key, unsigned h)
{
	centry *e;

	for (e = c->bucket[h % CACHE_BUCKETS]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* The cached entity (a new reference, read-only), or NULL. */
json_t *
cache_get(store_cache *c, const char *ns, const char *coll, const char *name)
{
	char key[PATH_MAX_LEN + 32];
	unsigned h;
	centry *e;

	make_key(key, sizeof key, ns, coll, name);
	h = hash_key(key);
	if (!(e = find(c, key, h))) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	lru_unlink(c, e);
	lru_push(c, e);
	return json_incref(e->doc);
}

void
cache_drop(store_cache *c, const char *ns, const char *coll, const char *name)
{
	char key[PATH_MAX_LEN + 32];
	centry *e;

	make_key(key, sizeof key, ns, coll, name);
	if ((e = find(c, key, hash_key(key))))
		entry_drop(c, e);
}

/* Keep doc (a reference is taken) as the entity's current value. */
void
cache_put(store_cache *c, const char *ns, const char *coll, const char *name, json_t *doc)
{
	char key[PATH_MAX_LEN + 32];
	centry *e;

	cache_drop(c, ns, coll, name);
	make_key(key, sizeof key, ns, coll, name);
	if (!(e = calloc(1, sizeof *e + strlen(key) + 1)))
		return;
	strcpy(e->key, key);
	e->hash = hash_key(key);
	e->doc = json_incref(doc);
	e->hnext = c->bucket[e->hash % CACHE_BUCKETS];
	c->bucket[e->hash % CACHE_BUCKETS] = e;
	lru_push(c, e);
	if (++c->n > CACHE_MAX)
		entry_drop(c, c->tail);
}

void
cache_free(store_cache *c)
{
	if (!c)
		return;
	while (c->head)
		entry_drop(c, c->head);
	free(c);
}

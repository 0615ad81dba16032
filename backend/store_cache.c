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
#include <sys/queue.h>

#include "map.h"
#include "store_int.h"

enum { CACHE_MAX = 2048 };

typedef struct Centry {
	TAILQ_ENTRY(Centry) lru; /* most recent first */
	json_t *doc;
	char key[]; /* "ns\x1fcoll\x1fname" */
} Centry;

struct StoreCache {
	Map map; /* key to centry */
	TAILQ_HEAD(centry_list, Centry) lru;
	int n;
	int64_t hits, misses;
};

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

StoreCache *
cache_new(void)
{
	StoreCache *c = ecalloc(1, sizeof(StoreCache));

	if (c)
		TAILQ_INIT(&c->lru);
	return c;
}

static void
entry_drop(StoreCache *c, Centry *e)
{
	map_del(&c->map, e->key);
	TAILQ_REMOVE(&c->lru, e, lru);
	json_decref(e->doc);
	free(e);
	c->n--;
}

/* The cached entity (a new reference, read-only), or NULL. */
json_t *
cache_get(StoreCache *c, const char *ns, const char *coll, const char *name)
{
	char key[PATH_MAX_LEN + 32];
	Centry *e;

	make_key(key, sizeof key, ns, coll, name);
	if (!(e = map_get(&c->map, key))) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	return json_incref(e->doc);
}

void
cache_drop(StoreCache *c, const char *ns, const char *coll, const char *name)
{
	char key[PATH_MAX_LEN + 32];
	Centry *e;

	make_key(key, sizeof key, ns, coll, name);
	if ((e = map_get(&c->map, key)))
		entry_drop(c, e);
}

/* Keep doc (a reference is taken) as the entity's current value. */
void
cache_put(StoreCache *c, const char *ns, const char *coll, const char *name, json_t *doc)
{
	char key[PATH_MAX_LEN + 32];
	Centry *e;

	cache_drop(c, ns, coll, name);
	make_key(key, sizeof key, ns, coll, name);
	e = ecalloc(1, sizeof *e + strlen(key) + 1);
	strcpy(e->key, key);
	map_put(&c->map, e->key, e);
	e->doc = json_incref(doc);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	if (++c->n > CACHE_MAX)
		entry_drop(c, TAILQ_LAST(&c->lru, centry_list));
}

void
cache_free(StoreCache *c)
{
	if (!c)
		return;
	while (!TAILQ_EMPTY(&c->lru))
		entry_drop(c, TAILQ_FIRST(&c->lru));
	map_free(&c->map);
	free(c);
}

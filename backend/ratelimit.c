/* ratelimit.c — token buckets for the gateway's rate limits, one per route and caller.
 *
 * A bucket holds at most `rate` tokens and gains rate / period of them
 * every millisecond; a call takes one. With none left, the call is
 * refused and told when the next token comes (Retry-After). Buckets live
 * in a hash table of the backend, keyed by the text the gateway makes of
 * the route and the caller (gateway_policy.c); a bucket full again is as
 * good as none, so a table grown past BUCKETS_MAX drops its full buckets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fns.h"
#include "map.h"

enum { BUCKETS_MAX = 100000 };

typedef struct Bucket {
	double tokens;
	double rate, period; /* tokens at most, per period ms */
	int64_t at;          /* ms of the last refill */
} Bucket;

typedef struct Ratelimits {
	Map buckets; /* key → bucket */
	int64_t now; /* of a sweep */
} Ratelimits;

static void
refill(Bucket *k, int64_t now)
{
	k->tokens += (double)(now - k->at) * k->rate / k->period;
	if (k->tokens > k->rate)
		k->tokens = k->rate;
	k->at = now;
}

/* Drop k if it is full again: it says nothing. */
static void
sweep_one(const char *key, void *k, void *arg)
{
	Ratelimits *rl = arg;

	refill(k, rl->now);
	if (((Bucket *)k)->tokens >= ((Bucket *)k)->rate)
		free(map_del(&rl->buckets, key));
}

/* Take a token from key's bucket (rate per period_ms). 0, or -EAGAIN
 * with *retry_ms until the next one. */
int
ratelimit_take(Backend *b, const char *key, double rate, double period_ms, int64_t *retry_ms)
{
	Ratelimits *rl = b->ratelimits;
	int64_t now = now_ms();
	Bucket *k;

	if (!rl)
		rl = b->ratelimits = ecalloc(1, sizeof *rl);
	if (!(k = map_get(&rl->buckets, key))) {
		if (rl->buckets.count >= BUCKETS_MAX) {
			rl->now = now;
			map_each(&rl->buckets, sweep_one, rl);
		}
		k = emalloc(sizeof *k);
		k->tokens = rate;
		k->at = now;
		map_put(&rl->buckets, key, k);
	}
	k->rate = rate; /* the route may have been given another limit */
	k->period = period_ms;
	refill(k, now);
	if (k->tokens >= 1) {
		k->tokens -= 1;
		return 0;
	}
	/* rounded up, and at least 1 ms; a whole period at most (3 a minute:
	 * Retry-After 20, where adding a millisecond made it 21) */
	*retry_ms = (int64_t)((1 - k->tokens) * period_ms / rate + 0.999);
	if (*retry_ms < 1)
		*retry_ms = 1;
	return -EAGAIN;
}

void
ratelimit_free(Backend *b)
{
	Ratelimits *rl = b->ratelimits;

	if (!rl)
		return;
	map_free_with(&rl->buckets, free);
	free(rl);
	b->ratelimits = NULL;
}

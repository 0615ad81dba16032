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

enum { SLOTS = 1024, BUCKETS_MAX = 100000 };

typedef struct bucket {
	struct bucket *next;
	double tokens;
	double rate, period; /* tokens at most, per period ms */
	int64_t at;          /* ms of the last refill */
	char key[];
} bucket;

typedef struct ratelimits {
	bucket *slot[SLOTS];
	int count;
} ratelimits;

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
refill(bucket *k, int64_t now)
{
	k->tokens += (double)(now - k->at) * k->rate / k->period;
	if (k->tokens > k->rate)
		k->tokens = k->rate;
	k->at = now;
}

/* Drop the buckets that are full again: they say nothing. */
static void
sweep(ratelimits *rl, int64_t now)
{
	for (int i = 0; i < SLOTS; i++)
		for (bucket **pp = &rl->slot[i], *k; (k = *pp);) {
			refill(k, now);
			if (k->tokens >= k->rate) {
				*pp = k->next;
				free(k);
				rl->count--;
			} else {
				pp = &k->next;
			}
		}
}

/* Take a token from key's bucket (rate per period_ms). 0, or -EAGAIN
 * with *retry_ms until the next one. */
int
ratelimit_take(backend *b, const char *key, double rate, double period_ms, int64_t *retry_ms)
{
	ratelimits *rl = b->ratelimits;
	int64_t now = now_ms();
	unsigned h = hash(key) % SLOTS;
	bucket *k;

	if (!rl)
		rl = b->ratelimits = ecalloc(1, sizeof *rl);
	for (k = rl->slot[h]; k && strcmp(k->key, key); k = k->next)
		;
	if (!k) {
		if (rl->count >= BUCKETS_MAX)
			sweep(rl, now);
		k = emalloc(sizeof *k + strlen(key) + 1);
		strcpy(k->key, key);
		k->tokens = rate;
		k->at = now;
		k->rate = rate;
		k->period = period_ms;
		k->next = rl->slot[h];
		rl->slot[h] = k;
		rl->count++;
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
ratelimit_free(backend *b)
{
	ratelimits *rl = b->ratelimits;

	for (int i = 0; rl && i < SLOTS; i++)
		while (rl->slot[i]) {
			bucket *k = rl->slot[i];
			rl->slot[i] = k->next;
			free(k);
		}
	free(rl);
	b->ratelimits = NULL;
}

/* heap.c — a binary min-heap of nodes that know their place, so one can
 * leave from the middle in O(log n): the backend's alarms by due time and
 * the proxy's runs by deadline, each under one timer set to the top. */
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "mem.h"

static void
put(Heap *h, size_t i, Heapnode *x)
{
	h->a[i] = x;
	x->at = i + 1;
}

/* Move the node at i up while it is earlier than its parent. */
static void
up(Heap *h, size_t i)
{
	Heapnode *x = h->a[i];

	while (i > 0 && x->key < h->a[(i - 1) / 2]->key) {
		put(h, i, h->a[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	put(h, i, x);
}

/* Move the node at i down while a child is earlier. */
static void
down(Heap *h, size_t i)
{
	Heapnode *x = h->a[i];
	size_t c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->a[c + 1]->key < h->a[c]->key)
			c++;
		if (x->key <= h->a[c]->key)
			break;
		put(h, i, h->a[c]);
		i = c;
	}
	put(h, i, x);
}

/* Add x, in no heap, by key. */
void
heap_push(Heap *h, Heapnode *x, int64_t key)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->a = erealloc(h->a, h->cap * sizeof *h->a);
	}
	x->key = key;
	h->a[h->n] = x;
	up(h, h->n++);
}

/* Take x out, from wherever it is; nothing when it is in no heap. */
void
heap_remove(Heap *h, Heapnode *x)
{
	size_t i = x->at - 1;
	Heapnode *last;

	if (x->at == 0)
		return;
	x->at = 0;
	last = h->a[--h->n];
	if (i == h->n)
		return;
	h->a[i] = last;
	if (i > 0 && last->key < h->a[(i - 1) / 2]->key)
		up(h, i);
	else
		down(h, i);
}

/* The node with the smallest key, or NULL. */
Heapnode *
heap_first(const Heap *h)
{
	return h->n ? h->a[0] : NULL;
}

void
heap_free(Heap *h)
{
	free(h->a);
	memset(h, 0, sizeof *h);
}

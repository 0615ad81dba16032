/* heap.h — a binary min-heap by a 64-bit key of nodes kept in their owners:
 * the backend's alarms by due time, the proxy's runs by deadline (heap.c). */
#ifndef FAAS_HEAP_H
#define FAAS_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* In the owner; zero-initialised it is in no heap. */
typedef struct Heapnode {
	int64_t key;
	size_t at; /* its place + 1, or 0: in no heap */
} Heapnode;

/* Zero-initialised ({0}) it is empty. */
typedef struct Heap {
	Heapnode **a;
	size_t n, cap;
} Heap;

/* The struct of type T whose member M is node x. */
#define heap_owner(x, T, M) ((T *)(void *)((char *)(x)-offsetof(T, M)))

void heap_push(Heap *h, Heapnode *x, int64_t key);
void heap_remove(Heap *h, Heapnode *x);
Heapnode *heap_first(const Heap *h);
void heap_free(Heap *h);

#endif

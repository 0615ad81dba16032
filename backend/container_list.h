/* container_list.h — intrusive doubly linked lists: an element has a next pointer and a pointer to whatever points at it. */
#ifndef FAAS_CONTAINER_LIST_H
#define FAAS_CONTAINER_LIST_H

/* Put e at the front of *list, through e's fields NEXT and PREVP. */
#define LIST_PUSH(e, list, NEXT, PREVP)                \
	do {                                           \
		(e)->NEXT = *(list);                   \
		if (*(list))                           \
			(*(list))->PREVP = &(e)->NEXT; \
		*(list) = (e);                         \
		(e)->PREVP = (list);                   \
	} while (0)

/* Take e off whatever list it is on (nothing if none). */
#define LIST_REMOVE(e, NEXT, PREVP)                            \
	do {                                                   \
		if ((e)->PREVP) {                              \
			*(e)->PREVP = (e)->NEXT;               \
			if ((e)->NEXT)                         \
				(e)->NEXT->PREVP = (e)->PREVP; \
			(e)->NEXT = NULL;                      \
			(e)->PREVP = NULL;                     \
		}                                              \
	} while (0)

/* A first-in first-out list: *head, and *tailp the last next pointer
 * (&head when empty). Put e at its end. */
#define FIFO_APPEND(e, tailp, NEXT, PREVP) \
	do {                               \
		(e)->NEXT = NULL;          \
		(e)->PREVP = (tailp);      \
		*(tailp) = (e);            \
		(tailp) = &(e)->NEXT;      \
	} while (0)

/* Take e off the FIFO wherever it is on it (nothing if on none). */
#define FIFO_REMOVE(e, tailp, NEXT, PREVP)                     \
	do {                                                   \
		if ((e)->PREVP) {                              \
			*(e)->PREVP = (e)->NEXT;               \
			if ((e)->NEXT)                         \
				(e)->NEXT->PREVP = (e)->PREVP; \
			else                                   \
				(tailp) = (e)->PREVP;          \
			(e)->NEXT = NULL;                      \
			(e)->PREVP = NULL;                     \
		}                                              \
	} while (0)

#endif

/* park.c — parked FUSE requests: reads that wait for data, with interrupts.
 *
 * A read of activations/stream, of invoke or of result may have to wait:
 * for the next activation, for this open's invocation, for the action's
 * latest run. There is one thread, so such a request is not answered at
 * once but parked: its fuse_req_t goes on a queue (Parkq) and the reply is
 * sent later, from whatever callback makes the data (an event, a curl
 * answer). This is lib9p's respond-later, and acme's logf.c in spirit.
 *
 * Who calls what:
 *   park(q, req, ...)      the read handler, when nothing is ready. If the
 *                          request was interrupted already, park answers it
 *                          EINTR itself and returns -EINTR.
 *   unpark(p)              the producer, before it replies to p->req; it
 *                          takes p off its queue and disarms the interrupt.
 *   park_drain(q, err)     answer everything on q with err (or EOF when
 *                          err is 0): shutdown, a released open.
 *
 * Interrupts are not optional: a reader killed while parked stays in D state
 * until we answer (the kernel's Documentation/filesystems/fuse.rst,
 * "Interrupting filesystem operations"). So park registers
 * an interrupt callback; when the kernel sends FUSE_INTERRUPT, the callback
 * takes the request off its queue and answers EINTR. The order matters
 * (libfuse 3.14, lib/fuse_lowlevel.c): check fuse_req_interrupted() first — an
 * interrupt that came before we parked — and only then register, because
 * libfuse calls an already-pending interrupt callback while holding the
 * request's lock, where replying would free it under the lock.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include "dat.h"
#include "fns.h"

void
park_init(Parkq *q)
{
	TAILQ_INIT(q);
}

static void
unlink1(Park *p)
{
	TAILQ_REMOVE(p->q, p, link);
	p->q = NULL;
}

static void
interrupted(fuse_req_t req, void *arg)
{
	Park *p = arg;

	(void)req;
	unlink1(p);
	fuse_reply_err(p->req, EINTR);
	free(p);
}

/*
 * Park req on q. Returns 0, or -EINTR (already interrupted: answered here).
 */
int
park(Parkq *q, fuse_req_t req, size_t size, off_t off, Open *o)
{
	Park *p;

	if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
		return -EINTR;
	}
	p = ecalloc(1, sizeof *p);
	p->req = req;
	p->size = size;
	p->off = off;
	p->o = o;
	p->q = q;
	TAILQ_INSERT_TAIL(q, p, link);
	fuse_req_interrupt_func(req, interrupted, p);
	return 0;
}

/*
 * Park a read of open o, unless o is O_NONBLOCK: then answer EAGAIN. 0 when
 * parked; -errno when answered here.
 */
int
park_read(Parkq *q, fuse_req_t req, size_t size, off_t off, Open *o)
{
	if (o->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return -EAGAIN;
	}
	return park(q, req, size, off, o);
}

/* Take the first parked request off q, its interrupt disarmed; NULL if none. */
Park *
unpark(Parkq *q)
{
	Park *p = TAILQ_FIRST(q);

	if (p == NULL)
		return NULL;
	fuse_req_interrupt_func(p->req, NULL, NULL);
	unlink1(p);
	return p;
}

/*
 * poll(2) on open o: ready says whether a read would return now. The
 * handle is kept until poll_wake() tells the kernel to ask again.
 */
void
park_poll(Open *o, fuse_req_t req, struct fuse_pollhandle *ph, int ready)
{
	if (ph != NULL) {
		if (o->ph != NULL)
			fuse_pollhandle_destroy(o->ph);
		o->ph = ph;
	}
	fuse_reply_poll(req, ready ? POLLIN | POLLRDNORM : 0);
}

/* Data came for o: wake a poll on it. */
void
poll_wake(Open *o)
{
	if (o->ph == NULL)
		return;
	fuse_lowlevel_notify_poll(o->ph);
	fuse_pollhandle_destroy(o->ph);
	o->ph = NULL;
}

/* Answer every request parked on q: EOF if err is 0, else err. */
void
park_drain(Parkq *q, int err)
{
	Park *p;

	while ((p = unpark(q)) != NULL) {
		if (err)
			fuse_reply_err(p->req, err);
		else
			fuse_reply_buf(p->req, NULL, 0);
		free(p);
	}
}

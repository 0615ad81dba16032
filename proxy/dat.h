/* dat.h — faasfs-proxy's types: the proxy, the action, its processes and activations. */
#ifndef PROXY_DAT_H
#define PROXY_DAT_H

#include <stdint.h>
#include <stddef.h>
#include <sys/queue.h>
#include <jansson.h>
#include <uv.h>
#include "buf.h"
#include "heap.h"
#include "js.h"
#include "http.h"

typedef struct Opts Opts;
typedef struct Kind Kind;
typedef struct Action Action;
typedef struct Stream Stream;
typedef struct Child Child;
typedef struct Proc Proc;
typedef struct Once Once;
typedef struct Act Act;
typedef struct Initwait Initwait;
typedef struct Proxy Proxy;
typedef struct Idtab Idtab;

#define SENTINEL "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n"
#define TAILMAX 2048 /* bytes of a child's stderr kept for error messages */

struct Opts {
	const char *host;
	int port;
	const char *sock;      /* --listen unix:PATH: a Unix socket instead of host:port */
	const char *kind;      /* --kind: used when init names none */
	const char *launchers; /* folder of launcher.py, launcher.js */
	const char *python;
	const char *node;
	const char *bash;
	const char *workdir; /* where actions are unpacked */
	size_t max_body;     /* request bodies over this get 413 */
	size_t log_limit;    /* bytes of logs per activation */
	int concurrency;     /* activations in flight at once (if the kind allows) */
	long timeout;        /* ms, for runs without a deadline; 0 = none */
	long spin;           /* µs to poll fd 3 for a quick answer; 0 = never */
	int verbose;
	int wait_ack; /* OW_WAIT_FOR_ACK: actionloop processes ack too */
	/* --adopt PID,IN,OUT,ERR,CTL: a stem cell's launcher already running,
	 * our child, and our ends of its stdin, stdout, stderr and fd 3 (the
	 * backend's zygote forked it); 0: none */
	int adopt_pid;
	int adopt_fd[4];
	const char *log; /* --log: our own log lines go there, not to stderr */
};

/* How a kind runs: once per activation, or as an action loop. */
enum { KIND_ONCE, KIND_LOOP };

struct Kind {
	const char *name; /* canonical: python, nodejs, bash, native, actionloop */
	int style;        /* KIND_ONCE or KIND_LOOP */
	int ack;          /* the process says {"ok":true} when loaded */
	int concurrent;   /* may take many activations at once */
	int stem;         /* its launcher can start before the code is known */
	/* Fill argv (at most 8 entries with the NULL) to start the action, or,
	 * with a NULL action, a stem cell of the kind. */
	void (*argv)(const Proxy *px, const Action *a, const char **argv);
	/* The entry point inside an unpacked archive folder, or -ENOENT. */
	int (*entry)(const char *dir, char **path);
	const char *file; /* file name for plain-text code */
};

enum { ACTION_STARTING, ACTION_READY };

struct Action {
	const Kind *kind;
	char *code; /* identity of the init, to tell re-inits apart */
	size_t codelen;
	char *ident; /* "kind\nmain\nbinary" */
	char *main;
	char *dir;    /* the action's own folder under the workdir */
	char *secdir; /* its secrets' folder (secrets.c), or NULL */
	char *entry;  /* what runs: the executable or the source */
	char **env;   /* the function's environment, NULL-terminated */
	int limit;    /* activations in flight at once */
	int state;
};

/* One of a child's output pipes, read on the loop. */
struct Stream {
	uv_poll_t poll;
	int fd; /* our end, non-blocking; closed with the Child */
	int eof;
	int to;                       /* 1 or 2: the proxy's stream it feeds */
	Buf *collect;                 /* when set, data goes here, not to the logs */
	void (*collected)(Stream *s); /* and this is told */
	char tail[TAILMAX];           /* the last bytes seen, a ring */
	size_t tailn;
	Child *child;
};

/* A spawned function process with its pipes: shared by Proc and Once. */
struct Child {
	Proxy *px;
	uv_process_t proc;
	uv_poll_t pidw; /* an adopted process: its pidfd, readable when it ends */
	int pidfd;
	int pid; /* of an adopted process (else proc.pid) */
	int adopted;
	uv_pipe_t in;
	Stream out, err;
	uv_poll_t ctl; /* fd 3, for action loops */
	int ctlfd;
	int ctleof;
	int toolong;         /* its answer outgrew answer_max */
	unsigned long lines; /* fd-3 lines handed to the owner */
	int reading;         /* in ctl_read */
	Buf line;            /* fd 3 input not yet a whole line */
	size_t scanned;
	uv_timer_t timer;
	int handles; /* handles still open */
	int running;
	int closing;
	int close_in; /* close stdin once the writes are through */
	int64_t status;
	int signal;
	void (*exit_cb)(Child *c);
	void (*line_cb)(Child *c, char *line, size_t len);
	void (*timer_cb)(Child *c);
	void (*closed_cb)(Child *c);
	void *data;
};

/* Acts by id: a hash table chained through Act.hnext (inflight.c). */
struct Idtab {
	Act **b;
	size_t size; /* buckets, a power of two */
	size_t count;
};

enum { PROC_STARTING, PROC_READY, PROC_DEAD, PROC_STEM };

/* The action loop process of a KIND_LOOP action. */
struct Proc {
	Child c;
	Proxy *px;
	const Kind *kind;
	int state;
	TAILQ_HEAD(Actq, Act) busy; /* activations written to it, oldest first */
	int nbusy;
	Heap deadlines;  /* the busy acts that have one, by it (Act.hn) */
	uint64_t armed;  /* when the timer is set to go off, 0 = not set */
	const char *why; /* why the proxy killed it, when it did */
	int spinning;
	int ctleof; /* fd 3 is closed */
};

/* One run of a KIND_ONCE action. */
struct Once {
	Child c;
	Act *act;
	LIST_ENTRY(Once) link; /* in px->onces while the process runs (le_prev NULL: not) */
	Buf out;               /* stdout not yet known to be logs: the last line */
	int timedout;
	int toolong;
};

/* One activation, from its request to its answer. */
struct Act {
	Proxy *px;
	HttpReq *req;
	json_t *run;      /* the run object: value, activation_id, deadline, ... */
	const char *line; /* its text: the request body, or `text` */
	size_t linelen;
	char *text;     /* its compact text, when it had to be rebuilt */
	const char *id; /* activation id, for concurrent matching */
	size_t idlen;
	char idbuf[40];
	uint64_t deadline; /* ms since the epoch, 0 = none */
	uint64_t started;
	TAILQ_ENTRY(Act) link; /* in px's queue, or its process's busy list */
	Proc *proc;            /* the process it was sent to, or NULL */
	Act *hnext;            /* in px->ids */
	uint32_t hash;         /* of its id */
	int intab;             /* it is in px->ids */
	Heapnode hn;           /* in proc->deadlines */
	int timedout;
	int capture;    /* answer with its log lines (capture.c) */
	size_t capfrom; /* its first line in px->cap */
};

/* A request waiting for an init in progress to finish. */
struct Initwait {
	HttpReq *req;
	json_t *run;                 /* POST / with init and a run: the run, or NULL */
	STAILQ_ENTRY(Initwait) link; /* in px->initq */
};

struct Proxy {
	uv_loop_t *loop;
	Opts opt;
	HttpServer *srv;
	char *workdir;
	int own_workdir;
	Action *action;
	STAILQ_HEAD(, Initwait) initq;
	struct Actq queue; /* waiting for a free slot */
	Idtab ids;         /* acts queued or sent, by id, when many run at once */
	int inflight;
	Proc *proc;
	LIST_HEAD(, Once) onces; /* KIND_ONCE processes running */
	char **baseenv;          /* PATH and the proxy's own __OW_* variables */
	char *token;             /* FAASFS_PROXY_TOKEN: requests must carry it, or NULL */
	size_t tokenlen;
	unsigned long seq;
	size_t logged; /* log bytes since the last sentinels */
	int truncated;
	int lastnl[3]; /* the last byte written to fd 1, 2 was a newline */
	uv_signal_t sigterm, sigint;
	int stopping;
	json_t *cap;    /* log lines kept for capturing acts (capture.c) */
	Buf cappart[3]; /* a line not yet ended, on fd 1, 2 */
	int capturing;  /* capturing acts in flight */
};

#endif

/* sched.h — the scheduler: the one door through which every activation runs.
 *
 * The API layer (api_*.c, invoke.c, trigger firing, sequences) builds a
 * run_spec and calls sched_submit(); the scheduler finds or starts a
 * container in the action's execution domain (local now, Knative later,
 * chosen per action by kind or annotation), queues when all are busy,
 * initialises, runs, collects logs, and calls done_cb once with a run_result.
 * done_cb is never called when sched_submit() fails.
 *
 * The spec is copied: the caller may free it as soon as sched_submit returns.
 */
#ifndef FAAS_SCHED_H
#define FAAS_SCHED_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

typedef struct Sched Sched;

typedef struct RunLimits {
	int timeout_ms; /* the ranges are lib/limit.c's */
	int memory_mb;
	int logs_kb;
	int concurrency; /* activations in flight in one container */
} RunLimits;

typedef struct RunSpec {
	const char *ns;      /* namespace name, e.g. "guest" */
	const char *path;    /* "guest/pkg/hello" or "guest/hello" */
	const char *name;    /* "hello" */
	const char *version; /* "0.0.3": with path, the key of warm containers */
	const char *kind;    /* "python:3", "nodejs:20", "bash", "native", ... */
	const char *main;    /* entry point name, or NULL */
	const char *code;    /* as stored: text, or base64 when binary */
	size_t code_len;     /* its length (text may hold a NUL); 0: strlen */
	int binary;
	json_t *init_env;    /* object: bound parameters given at init, or NULL */
	json_t *annotations; /* object or NULL (kind routing may read it) */
	RunLimits limits;
	json_t *params;            /* object: merged parameters for this run; NULL = validate only */
	const char *activation_id; /* 32 hex chars */
	const char *api_key;       /* "uuid:key" given to the function as __OW_API_KEY, or NULL */
	const char *api_host;      /* given as __OW_API_HOST */
	int64_t deadline_ms;       /* 0: now + timeout */
	json_t *secrets;           /* object NAME: value in base64, given at init only; or NULL */
	const char *sectag;        /* with version, what tells warm containers apart ("" or NULL: nothing more) */
	/* each log line as the domain sees it, before the run ends (arg: sched_submit's), or NULL */
	void (*line_cb)(const json_t *line, void *arg);
} RunSpec;

/* OpenWhisk's four outcomes, with their statusCode in activation records. */
enum run_status {
	RUN_SUCCESS = 0,     /* "success" */
	RUN_APP_ERROR = 1,   /* "application error": result has "error" */
	RUN_DEV_ERROR = 2,   /* "action developer error": crash, timeout, bad output */
	RUN_WHISK_ERROR = 3, /* "whisk internal error" */
};

typedef struct RunResult {
	enum run_status status;
	json_t *result;     /* object; on errors {"error": "..."} */
	json_t *logs;       /* array of strings "2026-11-27T10:00:00.123456Z stdout: text" */
	const char *start;  /* "cold", "stemcell" or "warm" */
	const char *domain; /* the execution domain that ran it: "local", "knative" */
	int64_t start_ms;   /* when the run (or init, if any) began, ms since epoch */
	int64_t end_ms;
	int wait_ms; /* time queued before a container took it */
	int init_ms; /* 0 when warm */
	int timed_out;
	int queue_full;     /* refused: the action's queue is full (API answers 429) */
	int64_t held_until; /* its container is held for inspection until then (sched_hold.c), or 0 */
} RunResult;

typedef void (*sched_done_cb)(RunResult *res, void *arg);

typedef struct SchedConfig {
	const char *proxy_path;  /* faasfs-proxy binary */
	const char *run_dir;     /* scratch space for containers (not the store) */
	const char *socket_path; /* the API's Unix socket, hidden from functions; NULL: none (read by sched_new only) */
	int max_containers;      /* per host, 0 = default */
	int max_memory_mb;       /* per host, 0 = default */
	int max_starts;          /* containers starting at once, 0 = default (the CPUs we may use) */
	const char *pools;       /* compute pools: "NAME:cpu=CORES,containers=N,memory=MB ...", or NULL */
	const char *schedulers;  /* "NAME" for all, "NS=NAME" per namespace, space-separated, or NULL */
	int idle_ms;             /* stop an idle container after this; 0 = default 10 min */
	int stemcells;           /* pre-started containers per kind, 0 = default */
	int stemcells_new;       /* more of them, at most, for actions made and not yet run; 0 = default, -1: none */
	int queue_max;           /* per action, 0 = default */
	int short_run_ms;        /* runs quicker than this are short (their pools stay small), 0 = default */
	int stem_wait_ms;        /* work made ahead (a taken stem cell's replacement, a domain's shells and
	                            networks) waits for sched_quiet at most this, 0 = default */
	int sandbox;             /* 1: sandbox (uid, namespaces, cgroups); 0: plain child */
	int cpu_millis;          /* each container's CPU quota, thousandths of a core; 0: none */
	int network;             /* SB_NET_* of sandbox.h */
	int no_zygote;           /* 1: python containers start their own interpreter */
	int api_port;            /* the API, served in each container's network namespace too */
	/* The current version of the action at path ("ns/pkg/name") into out: 0, or -ENOENT when
	 * there is no such action. A domain whose things outlive the backend (Knative Services)
	 * collects at start those of versions gone while it was away. NULL: not asked. */
	int (*action_version)(void *arg, const char *path, char *out, size_t n);
	void *action_arg;
	void *(*api_open)(void *arg, int fd); /* serve the API on a listening socket */
	void (*api_close)(void *srv);
	void *api_arg;
} SchedConfig;

int sched_new(uv_loop_t *loop, const SchedConfig *cfg, Sched **out);
/* Stop every container; the loop can then close. */
void sched_free(Sched *s);
/* 0, -EAGAIN (queue full: answer 429), or another -errno. */
int sched_submit(Sched *s, const RunSpec *spec, sched_done_cb cb, void *arg);
/* Forget warm containers of an action (deleted or updated). */
void sched_forget(Sched *s, const char *path);
/* An action of kind was made and has not run: keep a stem cell
 * more of its kind for a while, so that its first run finds one. */
void sched_expect(Sched *s, const char *kind, json_t *annotations);
/* Nothing is in flight: every activation handed to the scheduler has been
 * answered. Work made ahead that waits for it (a stem cell's replacement)
 * starts now. */
void sched_quiet(Sched *s);
/* An activation is in flight (from sched_submit until sched_quiet): work
 * made ahead waits for sched_quiet. */
int sched_busy(Sched *s);
/* The container held for failed activation id (its action's annotation
 * debug): its working directory and when the hold ends (ms since epoch).
 * 0 or -ENOENT (none held: no debug, it succeeded, released, or over). */
int sched_held(Sched *s, const char *id, char *workdir, size_t n, int64_t *until);
/* Stop holding it: the container stops. 0 or -ENOENT. */
int sched_unhold(Sched *s, const char *id);
/* Append Prometheus lines (containers warm/busy, queue depth, starts) to b;
 * the per-action ones only for namespace ns's actions (NULL: all). */
void sched_metrics(Sched *s, Buf *b, const char *ns);

#endif

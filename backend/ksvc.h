/* ksvc.h — a function version as a Knative Service: name, manifest, readiness (pure; ksvc.c). */
#ifndef FAAS_KSVC_H
#define FAAS_KSVC_H

#include <jansson.h>
#include <stddef.h>

enum { KSVC_NAME_SIZE = 64 };

typedef struct KsvcSpec {
	const char *name;    /* ksvc_name() */
	const char *path;    /* "guest/hello" */
	const char *version; /* "0.0.3" */
	const char *kind;    /* "python:3" */
	const char *image;
	json_t *init; /* the /init object: code, main, kind, binary, env */
	int memory_mb, timeout_ms, concurrency;
	const char *pool;         /* the compute pool (--pool): its nodes, or NULL for the cluster's default */
	int cpu_millis;           /* the pool's CPU per container, thousandths of a core; 0: none */
	int min_scale, max_scale; /* 0: none (min 0: scale to zero) */
	const char *function;     /* the Function resource it runs for, or NULL */
	int function_generation;  /* that Function's metadata.generation */
} KsvcSpec;

/* The Service's name for path@version: DNS-1035, at most 57 characters. */
void ksvc_name(const char *path, const char *version, char out[KSVC_NAME_SIZE]);
/* The value of the label faasfs.dev/action for path. */
void ksvc_action_label(const char *path, char out[KSVC_NAME_SIZE]);
/* "python", "nodejs" or "native": the runtime image family of a kind. */
const char *ksvc_family(const char *kind);
/* The Service to apply (new reference). */
json_t *ksvc_manifest(const KsvcSpec *sp);
/* 1 ready (url set: status.url, or address.url when cluster_local), 0 not
 * yet, -1 failed (why says how). */
int ksvc_ready(json_t *obj, char *url, size_t ulen, char *why, size_t wlen, int cluster_local);

#endif

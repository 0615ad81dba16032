/* kube.h — a client of the Kubernetes API on the backend's loop (libcurl, curluv).
 *
 * Where the cluster is: FAASFS_KUBECONFIG or KUBECONFIG (a kubeconfig file:
 * its current context's server, certificate authority, token or client
 * certificate, namespace), else in a pod the service account
 * (KUBERNETES_SERVICE_HOST and _PORT, the token and CA under
 * /var/run/secrets/kubernetes.io/serviceaccount, or FAASFS_SERVICEACCOUNT).
 * FAASFS_KUBE_NAMESPACE chooses the namespace over either.
 *
 * A token read from a file (in a pod it rotates; a kubeconfig's tokenFile)
 * is read again when a minute old and whenever the server answers 401, and
 * that request is tried once more.
 */
#ifndef FAAS_KUBE_H
#define FAAS_KUBE_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

typedef struct Kube Kube;
typedef struct KubeWatch KubeWatch;

typedef struct KubeReply {
	int err;             /* 0: the server answered; else -errno (unreachable: -ECONNREFUSED, -ETIMEDOUT...) */
	long status;         /* HTTP status */
	json_t *body;        /* the answer, parsed (borrowed), or NULL */
	const char *message; /* for a person: the Status's message, or what went wrong */
} KubeReply;

typedef void (*kube_cb)(KubeReply *r, void *arg);
/* A watch event: type "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR". */
typedef void (*kube_event_cb)(const char *type, json_t *obj, void *arg);
/* The watch ended (the server's timeout, an error, kube_watch_stop); r->err
 * -ECANCELED when stopped. The watch is freed after this returns. */
typedef void (*kube_end_cb)(KubeReply *r, void *arg);
/* A plain HTTP answer (kube_post). logs: the answer said X-Faasfs-Logs: 1. */
typedef void (*kube_post_cb)(int err, long status, const char *body, size_t len, int logs, const char *errtext,
                             void *arg);

/* 0; -ENOENT when no cluster is configured (err says so); else -errno with err. */
int kube_open(uv_loop_t *loop, Kube **out, char *err, size_t elen);
/* Stops every request and watch (their callbacks do not run). */
void kube_close(Kube *k);
const char *kube_namespace(const Kube *k);
const char *kube_server(const Kube *k);
int kube_in_cluster(const Kube *k);

/* method path (from "/apis/..."), a JSON body or NULL with its content type.
 * cb runs once, on the loop. 0 or -errno (then cb does not run). */
int kube_request(Kube *k, const char *method, const char *path, const char *ctype, const char *body, kube_cb cb,
                 void *arg);
/* GET path with watch=true: events until the server ends it. */
int kube_watch_start(Kube *k, const char *path, kube_event_cb ev, kube_end_cb end, void *arg, KubeWatch **out);
void kube_watch_stop(KubeWatch *w);

/* method url with body (taken over; NULL for none), outside the API: a
 * Knative Service's URL, or the backend's own API. via: "HOST:PORT" to
 * connect to whatever the URL's host, "unix:PATH" for a Unix socket, or
 * NULL; headers: NULL-terminated "Name: value" lines, or NULL. */
int kube_post(Kube *k, const char *method, const char *url, const char *via, const char *const *headers, char *body,
              size_t len, long timeout_ms, kube_post_cb cb, void *arg);

#endif

/* kube.c — the Kubernetes API over libcurl on the loop: where the cluster is, requests, watches.
 *
 * Every transfer is an easy handle of our own run by curluv (one curluv for
 * the domain), so the TLS settings of the cluster (its CA as a file or as
 * kubeconfig data, a client certificate, or none for a plain-HTTP
 * test server) apply to each. A request keeps what it needs to go again:
 * a 401 re-reads the token file and tries once more, as client-go does with
 * a rotated service-account token.
 *
 * A watch is a GET whose answer is newline-delimited JSON events; the write
 * callback splits the bytes into lines and hands each parsed event over as it
 * comes. Stopping a watch from inside its own event callback cannot cancel
 * the transfer there (libcurl is in the middle of it): the next write then
 * returns 0 and libcurl ends it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "base64.h"
#include "buf.h"
#include "curluv.h"
#include "kube.h"
#include "log.h"
#include "yamljson.h"
#include "mem.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

enum {
	TOKEN_TTL_MS = 60000, /* re-read a token file this often */
	API_TIMEOUT_MS = 30000,
	WATCH_SECONDS = 290, /* the server ends a watch after this; we watch again */
	BODY_MAX = 64 << 20,
};

struct Kube {
	uv_loop_t *loop;
	Curluv *cu;
	char server[512];  /* "https://host:port", no trailing slash */
	Buf ca, cert, key; /* PEM data, or empty */
	char ca_file[PATH_MAX], cert_file[PATH_MAX], key_file[PATH_MAX];
	char token[8192];
	char token_file[PATH_MAX];
	uint64_t token_read; /* uv_now when token_file was read */
	int insecure;
	int in_cluster;
	char ns[254];
	LIST_HEAD(, Kreq) reqs; /* every transfer still running */
	int closing;
};

enum { K_API, K_WATCH, K_POST };

typedef struct Kreq {
	LIST_ENTRY(Kreq) link; /* on k->reqs (le_prev NULL: not yet) */
	Kube *k;
	int type;
	CURL *easy;
	char *method, *url, *ctype;
	char *send;
	size_t sendlen;
	struct curl_slist *hdrs;
	struct curl_slist *extra;   /* the caller's headers (kube_post) */
	struct curl_slist *connect; /* CURLOPT_CONNECT_TO, or NULL */
	char *unix_path;            /* CURLOPT_UNIX_SOCKET_PATH, or NULL */
	long timeout_ms;
	Buf body; /* the answer, or a watch's line not yet ended */
	int retried;
	void *arg;
	kube_cb cb;
	kube_event_cb ev;
	kube_end_cb end;
	kube_post_cb post;
	int stopping, in_write;
	int toolong;
} Kreq;

struct KubeWatch {
	Kreq r;
};

/* ---- where the cluster is ---- */

/* The whole file at path into b. 0 or -errno. */
static int
file_into(const char *path, Buf *b)
{
	char chunk[4096];
	FILE *f = fopen(path, "re");
	size_t n;
	int rc = 0;

	b->n = 0;
	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	if (ferror(f))
		rc = -EIO;
	fclose(f);
	return rc;
}

static int
token_reread(Kube *k)
{
	Buf b = { 0 };
	size_t n;
	int rc;

	if (!k->token_file[0])
		return 0;
	if ((rc = file_into(k->token_file, &b)) < 0) {
		buf_free(&b);
		return rc;
	}
	for (n = b.n; n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' || b.p[n - 1] == ' '); n--)
		;
	snprintf(k->token, sizeof k->token, "%.*s", (int)n, b.p ? b.p : "");
	buf_free(&b);
	k->token_read = uv_now(k->loop);
	return 0;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The entry of list (kubeconfig's clusters, users, contexts) named name. */
static json_t *
named(json_t *list, const char *name, const char *member)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) if (name && json_is_string(json_object_get(e, "name")) &&
	                                   strcmp(jstr(e, "name"), name) == 0) return json_object_get(e, member);
	return NULL;
}

/* "…-data" (base64 PEM) into b, or the file's path into file, relative to dir. */
static int
pem_from(json_t *o, const char *key, Buf *b, char *file, size_t flen, const char *dir)
{
	char name[64];
	const char *v;

	snprintf(name, sizeof name, "%s-data", key);
	if ((v = jstr(o, name)))
		return base64_decode(v, strlen(v), b);
	if ((v = jstr(o, key)))
		snprintf(file, flen, "%s%s%s", v[0] == '/' ? "" : dir, v[0] == '/' ? "" : "/", v);
	return 0;
}

static int
from_kubeconfig(Kube *k, const char *path, char *err, size_t elen)
{
	char dir[PATH_MAX], *slash;
	json_t *cfg, *ctx, *cl, *user;
	const char *cur, *v;
	Buf text = { 0 };
	int rc;

	if ((rc = file_into(path, &text)) < 0) {
		snprintf(err, elen, "kubeconfig %s: %s", path, strerror(-rc));
		buf_free(&text);
		return rc;
	}
	cfg = yaml_to_json(text.p ? text.p : "", text.n, err, elen);
	buf_free(&text);
	if (!cfg)
		return -EINVAL;
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	cur = jstr(cfg, "current-context");
	ctx = named(json_object_get(cfg, "contexts"), cur, "context");
	cl = named(json_object_get(cfg, "clusters"), jstr(ctx, "cluster"), "cluster");
	user = named(json_object_get(cfg, "users"), jstr(ctx, "user"), "user");
	if (!cl || !jstr(cl, "server")) {
		snprintf(err, elen, "kubeconfig %s: no cluster with a server for context %s", path,
		         cur ? cur : "(none)");
		json_decref(cfg);
		return -EINVAL;
	}
	snprintf(k->server, sizeof k->server, "%s", jstr(cl, "server"));
	k->insecure = json_is_true(json_object_get(cl, "insecure-skip-tls-verify"));
	rc = pem_from(cl, "certificate-authority", &k->ca, k->ca_file, sizeof k->ca_file, dir);
	if (rc == 0 && user)
		rc = pem_from(user, "client-certificate", &k->cert, k->cert_file, sizeof k->cert_file, dir);
	if (rc == 0 && user)
		rc = pem_from(user, "client-key", &k->key, k->key_file, sizeof k->key_file, dir);
	if ((v = jstr(user, "token")))
		snprintf(k->token, sizeof k->token, "%s", v);
	if ((v = jstr(user, "tokenFile")))
		snprintf(k->token_file, sizeof k->token_file, "%s", v);
	if ((v = jstr(ctx, "namespace")))
		snprintf(k->ns, sizeof k->ns, "%s", v);
	json_decref(cfg);
	if (rc < 0)
		snprintf(err, elen, "kubeconfig %s: a certificate is not base64", path);
	return rc;
}

static int
from_pod(Kube *k, char *err, size_t elen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT_HTTPS");
	const char *dir = getenv("FAASFS_SERVICEACCOUNT");
	char path[PATH_MAX];
	Buf ns = { 0 };

	if (!host || !*host)
		return -ENOENT;
	if (!port || !*port)
		port = getenv("KUBERNETES_SERVICE_PORT");
	if (!dir || !*dir)
		dir = SA_DIR;
	snprintf(k->server, sizeof k->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
	         port && *port ? port : "443");
	snprintf(k->ca_file, sizeof k->ca_file, "%s/ca.crt", dir);
	snprintf(k->token_file, sizeof k->token_file, "%s/token", dir);
	snprintf(path, sizeof path, "%s/namespace", dir);
	if (file_into(path, &ns) == 0 && ns.n > 0)
		snprintf(k->ns, sizeof k->ns, "%.*s", (int)strcspn(ns.p, "\n"), ns.p);
	buf_free(&ns);
	k->in_cluster = 1;
	if (token_reread(k) < 0) {
		snprintf(err, elen, "in a pod, but no service-account token at %s", k->token_file);
		return -EACCES;
	}
	return 0;
}

int
kube_open(uv_loop_t *loop, Kube **out, char *err, size_t elen)
{
	const char *cfg = getenv("FAASFS_KUBECONFIG"), *ns = getenv("FAASFS_KUBE_NAMESPACE");
	Kube *k;
	int rc;

	k = ecalloc(1, sizeof *k);
	k->loop = loop;
	if (!cfg || !*cfg)
		cfg = getenv("KUBECONFIG");
	if (cfg && *cfg)
		rc = from_kubeconfig(k, cfg, err, elen);
	else if ((rc = from_pod(k, err, elen)) == -ENOENT)
		snprintf(err, elen, "no cluster: set KUBECONFIG (or FAASFS_KUBECONFIG), or run in a pod");
	if (rc == 0 && token_reread(k) < 0) {
		snprintf(err, elen, "cannot read the token file %s", k->token_file);
		rc = -EACCES;
	}
	if (rc == 0)
		rc = curluv_init(loop, &k->cu);
	if (rc < 0) {
		buf_free(&k->ca);
		buf_free(&k->cert);
		buf_free(&k->key);
		free(k);
		return rc;
	}
	if (ns && *ns)
		snprintf(k->ns, sizeof k->ns, "%s", ns);
	if (!k->ns[0])
		snprintf(k->ns, sizeof k->ns, "default");
	k->server[strcspn(k->server, "\0")] = '\0';
	while (strlen(k->server) > 0 && k->server[strlen(k->server) - 1] == '/')
		k->server[strlen(k->server) - 1] = '\0';
	*out = k;
	return 0;
}

const char *
kube_namespace(const Kube *k)
{
	return k->ns;
}
const char *
kube_server(const Kube *k)
{
	return k->server;
}
int
kube_in_cluster(const Kube *k)
{
	return k->in_cluster;
}

/* ---- transfers ---- */

static void
blob(CURL *e, CURLoption opt, Buf *b)
{
	struct curl_blob bl = { .data = b->p, .len = b->n, .flags = CURL_BLOB_COPY };

	curl_easy_setopt(e, opt, &bl);
}

static void
kreq_free(Kreq *r)
{
	if (r->link.le_prev)
		LIST_REMOVE(r, link);
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->extra);
	curl_slist_free_all(r->connect);
	free(r->unix_path);
	free(r->method);
	free(r->url);
	free(r->ctype);
	free(r->send);
	buf_free(&r->body);
	free(r);
}

static size_t write_cb(char *data, size_t size, size_t n, void *arg);
static void done_cb(CurluvResp *resp, void *arg);

/* A new easy handle for r, with the cluster's TLS and token for the API. */
static int
kreq_start(Kreq *r)
{
	Kube *k = r->k;
	char auth[sizeof k->token + 32];
	CURL *e;
	int rc;

	if (k->token_file[0] && uv_now(k->loop) - k->token_read > TOKEN_TTL_MS)
		token_reread(k);
	e = curl_easy_init();
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
	r->body.n = 0;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "faasfs-backend");
	if (r->send) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->send);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->sendlen);
	}
	if (r->type != K_POST) {
		if (k->ca.n)
			blob(e, CURLOPT_CAINFO_BLOB, &k->ca);
		else if (k->ca_file[0])
			curl_easy_setopt(e, CURLOPT_CAINFO, k->ca_file);
		if (k->cert.n)
			blob(e, CURLOPT_SSLCERT_BLOB, &k->cert);
		else if (k->cert_file[0])
			curl_easy_setopt(e, CURLOPT_SSLCERT, k->cert_file);
		if (k->key.n)
			blob(e, CURLOPT_SSLKEY_BLOB, &k->key);
		else if (k->key_file[0])
			curl_easy_setopt(e, CURLOPT_SSLKEY, k->key_file);
		if (k->insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
		r->hdrs = curl_slist_append(r->hdrs, "Accept: application/json");
		if (k->token[0]) {
			snprintf(auth, sizeof auth, "Authorization: Bearer %s", k->token);
			r->hdrs = curl_slist_append(r->hdrs, auth);
		}
		if (r->type == K_API)
			curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)API_TIMEOUT_MS);
		else
			curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(WATCH_SECONDS + 30) * 1000);
	}
	if (r->ctype) {
		char h[128];
		snprintf(h, sizeof h, "Content-Type: %s", r->ctype);
		r->hdrs = curl_slist_append(r->hdrs, h);
	}
	for (struct curl_slist *x = r->extra; x; x = x->next)
		r->hdrs = curl_slist_append(r->hdrs, x->data);
	if (r->type == K_POST) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
		if (r->connect)
			curl_easy_setopt(e, CURLOPT_CONNECT_TO, r->connect);
		if (r->unix_path)
			curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, r->unix_path);
	}
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	r->easy = e;
	if ((rc = curluv_add(k->cu, e, done_cb, r)) < 0) {
		curl_easy_cleanup(e);
		r->easy = NULL;
	}
	return rc;
}

static Kreq *
kreq_new(Kube *k, int type, const char *method, const char *url, void *arg)
{
	Kreq *r = type == K_WATCH ? ecalloc(1, sizeof(KubeWatch)) : ecalloc(1, sizeof *r);

	r->k = k;
	r->type = type;
	r->arg = arg;
	r->method = estrdup(method);
	r->url = estrdup(url);
	LIST_INSERT_HEAD(&k->reqs, r, link);
	return r;
}

static void
watch_lines(Kreq *r)
{
	char *nl, *p = r->body.p;
	size_t left = r->body.n;
	json_t *ev;

	while (!r->stopping && left > 0 && (nl = memchr(p, '\n', left))) {
		if ((ev = json_loadb(p, (size_t)(nl - p), 0, NULL))) {
			r->ev(jstr(ev, "type") ? jstr(ev, "type") : "", json_object_get(ev, "object"), r->arg);
			json_decref(ev);
		}
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	memmove(r->body.p, p, left);
	r->body.n = left;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	Kreq *r = arg;
	size_t len = size * n;

	if (r->stopping)
		return 0;
	if (r->body.n + len > BODY_MAX) {
		r->toolong = 1;
		return 0;
	}
	buf_add(&r->body, data, len);
	if (r->type == K_WATCH) {
		long status = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			r->in_write = 1;
			watch_lines(r);
			r->in_write = 0;
		}
	}
	return len;
}

/* What a person should read about a failed request. */
static const char *
reply_message(Kreq *r, CurluvResp *resp, json_t *j, char *buf, size_t len)
{
	if (resp->rc != CURLE_OK) {
		int n = snprintf(buf, len, "%s %s: %s", r->method, r->type == K_POST ? r->url : r->k->server,
		                 resp->error && *resp->error ? resp->error : curl_easy_strerror(resp->rc));
		return n > 0 ? buf : "?";
	}
	if (jstr(j, "message"))
		return jstr(j, "message");
	snprintf(buf, len, "the Kubernetes API answered %ld", resp->status);
	return buf;
}

static int
curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return 0;
	case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
	case CURLE_ABORTED_BY_CALLBACK: return -ECANCELED;
	case CURLE_WRITE_ERROR: return -ECANCELED;
	default: return -EIO;
	}
}

static void
done_cb(CurluvResp *resp, void *arg)
{
	Kreq *r = arg;
	Kube *k = r->k;
	char msg[512];
	json_t *j = NULL;
	KubeReply rep = { .err = curl_errno(resp->rc), .status = resp->status };
	struct curl_header *h = NULL;

	r->easy = NULL;
	if (k->closing) {
		kreq_free(r);
		return;
	}
	if (resp->rc == CURLE_OK && resp->status == 401 && !r->retried && k->token_file[0] && r->type != K_POST) {
		r->retried = 1; /* the token rotated: read it again, once */
		if (token_reread(k) == 0 && kreq_start(r) == 0)
			return;
	}
	if (r->toolong)
		rep.err = -EFBIG;
	if (r->type == K_POST) {
		int logs = resp->rc == CURLE_OK &&
		           curl_easy_header(resp->easy, "X-Faasfs-Logs", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h &&
		           strcmp(h->value, "1") == 0;
		buf_add(&r->body, "", 1);
		r->post(rep.err, resp->status, r->body.p, r->body.n - 1, logs,
		        rep.err ? reply_message(r, resp, NULL, msg, sizeof msg) : NULL, r->arg);
		kreq_free(r);
		return;
	}
	if (r->body.n && (r->type == K_API || resp->status != 200))
		j = json_loadb(r->body.p, r->body.n, 0, NULL);
	rep.body = j;
	rep.message = rep.err || resp->status >= 300 ? reply_message(r, resp, j, msg, sizeof msg) : NULL;
	if (r->type == K_WATCH) {
		if (r->stopping && rep.err == -ECANCELED)
			rep.message = "stopped";
		r->end(&rep, r->arg);
	} else
		r->cb(&rep, r->arg);
	json_decref(j);
	kreq_free(r);
}

int
kube_request(Kube *k, const char *method, const char *path, const char *ctype, const char *body, kube_cb cb, void *arg)
{
	char url[4096];
	Kreq *r;
	int rc;

	snprintf(url, sizeof url, "%s%s", k->server, path);
	r = kreq_new(k, K_API, method, url, arg);
	r->cb = cb;
	if (body) {
		r->send = estrdup(body);
		r->ctype = estrdup(ctype);
	}
	r->sendlen = body ? strlen(body) : 0;
	if ((rc = kreq_start(r)) < 0)
		kreq_free(r);
	return rc;
}

int
kube_watch_start(Kube *k, const char *path, kube_event_cb ev, kube_end_cb end, void *arg, KubeWatch **out)
{
	char url[4096];
	Kreq *r;
	int rc;

	snprintf(url, sizeof url, "%s%s%swatch=true&allowWatchBookmarks=true&timeoutSeconds=%d", k->server, path,
	         strchr(path, '?') ? "&" : "?", WATCH_SECONDS);
	r = kreq_new(k, K_WATCH, "GET", url, arg);
	r->ev = ev;
	r->end = end;
	if ((rc = kreq_start(r)) < 0) {
		kreq_free(r);
		return rc;
	}
	*out = (KubeWatch *)r;
	return 0;
}

void
kube_watch_stop(KubeWatch *w)
{
	Kreq *r = &w->r;

	r->stopping = 1;
	if (!r->in_write && r->easy)
		curluv_cancel(r->k->cu, r->easy);
}

int
kube_post(Kube *k, const char *method, const char *url, const char *via, const char *const *headers, char *body,
          size_t len, long timeout_ms, kube_post_cb cb, void *arg)
{
	char spec[600];
	Kreq *r = kreq_new(k, K_POST, method, url, arg);
	int rc, i;

	r->post = cb;
	r->send = body;
	r->sendlen = len;
	r->timeout_ms = timeout_ms;
	for (i = 0; headers && headers[i]; i++)
		r->extra = curl_slist_append(r->extra, headers[i]);
	snprintf(spec, sizeof spec, "::%s", via ? via : "");
	if (via && strncmp(via, "unix:", 5) == 0)
		r->unix_path = estrdup(via + 5);
	else if (via)
		r->connect = curl_slist_append(NULL, spec);
	r->ctype = estrdup("application/json");
	if ((rc = kreq_start(r)) < 0)
		kreq_free(r);
	return rc;
}

void
kube_close(Kube *k)
{
	if (!k)
		return;
	k->closing = 1;
	curluv_free(k->cu); /* every transfer ends; done_cb frees it */
	buf_free(&k->ca);
	buf_free(&k->cert);
	buf_free(&k->key);
	free(k);
}

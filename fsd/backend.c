/* backend.c — the REST client: requests to the backend, answers as errno and text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

typedef struct Req {
	bk_cb cb;
	void *arg;
	char *body;
	char *what; /* "PUT actions/hello", for the log */
} Req;

static const char *collname[Nekind] = { "actions", "packages", "triggers", "rules", "apis" };

/* The errno that fits an HTTP status. */
int
status_errno(long status)
{
	switch (status) {
	case 400: return -EINVAL;
	case 401:
	case 403: return -EACCES;
	case 404: return -ENOENT;
	case 409: return -EEXIST;
	case 413: return -EFBIG;
	case 429: return -EAGAIN;
	case 408:
	case 504: return -ETIMEDOUT;
	default: return status >= 200 && status < 300 ? 0 : -EIO;
	}
}

/* Append name to b, each '/'-separated part percent-encoded (RFC 3986). */
static void
addname(Buf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = "%";
	const char *s;

	buf_add(b, "/", 1);
	for (s = name; *s; s++) {
		unsigned char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~' || c == '/')
			buf_add(b, s, 1);
		else {
			esc[1] = hex[c >> 4];
			esc[2] = hex[c & 15];
			buf_add(b, esc, 3);
		}
	}
}

/* "actions/pkg/hello?query": the path of an entity, caller frees. */
char *
bk_path(int kind, const char *name, const char *query)
{
	Buf b = { 0 };

	buf_str(&b, collname[kind]);
	if (name)
		addname(&b, name);
	if (query) {
		buf_add(&b, "?", 1);
		buf_str(&b, query);
	}
	return b.p;
}

/* The body as JSON, parsed on first use (most answers are never looked into). */
json_t *
resp_json(Resp *r)
{
	if (!r->parsed) {
		r->parsed = 1;
		r->json = r->len > 0 ? json_loadb(r->body, r->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
	}
	return r->json;
}

static void
resptext(Resp *r, CurluvResp *cr)
{
	json_t *e;

	if (cr->rc != CURLE_OK)
		snprintf(r->text, sizeof r->text, "backend %s: %s", fs.base,
		         cr->error ? cr->error : curl_easy_strerror(cr->rc));
	else if (r->status < 400)
		return;
	else if (json_is_string(e = json_object_get(resp_json(r), "error")))
		snprintf(r->text, sizeof r->text, "%s", json_string_value(e));
	else if (r->err < 0)
		snprintf(r->text, sizeof r->text, "backend answered %ld %s", cr->status, cr->len < 200 ? cr->body : "");
}

static void
done_cb(CurluvResp *cr, void *arg)
{
	Req *q = arg;
	Resp r;

	memset(&r, 0, sizeof r);
	fs.inflight--;
	r.status = cr->status;
	r.body = cr->body ? cr->body : "";
	r.len = cr->body ? cr->len : 0;
	if (cr->rc != CURLE_OK)
		r.err = cr->rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	else
		r.err = status_errno(cr->status);
	resptext(&r, cr);
	if (cr->rc == CURLE_COULDNT_CONNECT || cr->rc == CURLE_RECV_ERROR || cr->rc == CURLE_GOT_NOTHING)
		fs_down(r.text);
	if (r.err < 0)
		log_debug("%s: %ld %s", q->what, r.status, r.text);
	q->cb(&r, q->arg);
	json_decref(r.json);
	free(q->body);
	free(q->what);
	free(q);
}

/*
 * Send METHOD base/api/v1/namespaces/_/PATH (or base/api/v1/PATH when PATH
 * starts with '/') with an optional body of type
 * ctype. cb gets the answer on the loop; it is not called if this fails.
 * timeout_ms 0 waits as long as it takes (invocations).
 */
int
bk_request(const char *method, const char *path, const char *ctype, const char *body, size_t len, long timeout_ms,
           bk_cb cb, void *arg)
{
	char url[4096], type[128];
	const char *hdrs[3] = { fs.authhdr, NULL, NULL };
	Req *q = ecalloc(1, sizeof *q);
	int rc;

	if (path[0] == '/')
		snprintf(url, sizeof url, "%s/api/v1%s", fs.base, path);
	else
		snprintf(url, sizeof url, "%s/api/v1/namespaces/_/%s", fs.base, path);
	if (ctype) {
		snprintf(type, sizeof type, "Content-Type: %s", ctype);
		hdrs[1] = type;
	}
	q->cb = cb;
	q->arg = arg;
	q->what = emalloc(strlen(method) + strlen(path) + 2);
	if (body) {
		q->body = emalloc(len + 1);
		memcpy(q->body, body, len);
	}
	sprintf(q->what, "%s %s", method, path);
	rc = curluv_request(fs.cu, method, url, hdrs, q->body, body ? len : 0, timeout_ms, done_cb, q);
	if (rc < 0) {
		free(q->body);
		free(q->what);
		free(q);
		return rc;
	}
	fs.inflight++;
	return 0;
}

/* The same with a JSON body (borrowed) or none. */
int
bk_json(const char *method, const char *path, json_t *body, bk_cb cb, void *arg)
{
	char *s = body ? js_text(body, NULL) : NULL;
	int rc;

	if (body && s == NULL)
		return -EINVAL;
	rc = bk_request(method, path, body ? "application/json" : NULL, s, s ? strlen(s) : 0, 30000, cb, arg);
	free(s);
	return rc;
}

/* jwks.c — the key sets (JWKS) JWT routes check tokens with: a file in DATA/jwks/ or a URL, kept.
 *
 * A file is read again when its modification time changes. A URL is
 * fetched (libcurl on the loop, 10 s at most) the first time a request
 * needs it: the request waits, and is served again from the start when
 * the answer is in (jwks_get returns -EAGAIN and calls resume later). A
 * set is used for 5 minutes, then fetched again in the background while
 * the old one serves; a failed fetch is remembered for 30 seconds, during
 * which its requests are told why (503) rather than fetching again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fns.h"
#include "log.h"

enum { FRESH_MS = 300000, FAILED_MS = 30000, FETCH_MS = 10000 };

typedef struct jwks_parked {
	LIST_ENTRY(jwks_parked) link; /* on b->jwks_parked */
	HttpReq *req;
	jwks_resume_cb resume;
	char src[];
} Parked;

typedef struct Fetch {
	Backend *b;
	char src[];
} Fetch;

/* A set is {"keys": [...]}; NULL with err otherwise. */
static json_t *
set_of(const char *text, size_t len, char *err, size_t n)
{
	json_t *v = json_loadb(text, len, 0, NULL);

	if (json_is_array(json_object_get(v, "keys")))
		return v;
	json_decref(v);
	snprintf(err, n, "not a JSON Web Key Set ({\"keys\": [...]})");
	return NULL;
}

static json_t *
cache(Backend *b)
{
	if (!b->jwks)
		b->jwks = json_object();
	return b->jwks;
}

static void
fetched(CurluvResp *resp, void *arg)
{
	Fetch *f = arg;
	Backend *b = f->b;
	char err[512] = "";
	json_t *set = NULL;
	Parked *p, *next;

	if (resp->rc != CURLE_OK)
		snprintf(err, sizeof err, "%s", resp->error ? resp->error : curl_easy_strerror(resp->rc));
	else if (resp->status != 200)
		snprintf(err, sizeof err, "HTTP %ld", resp->status);
	else
		set = set_of(resp->body ? resp->body : "", resp->len, err, sizeof err);
	if (set) {
		json_object_set_new(cache(b), f->src, json_pack("{s:o, s:I}", "set", set, "at", (json_int_t)now_ms()));
		b->gw_gen++; /* tokens verified with the old keys are checked again */
	} else if (!json_object_get(json_object_get(cache(b), f->src), "set"))
		json_object_set_new(cache(b), f->src,
		                    json_pack("{s:s, s:I}", "error", err, "at", (json_int_t)now_ms()));
	else
		log_warn("jwks: %s: %s (the old key set still serves)", f->src, err);
	json_object_del(json_object_get(cache(b), f->src), "fetching");
	for (p = LIST_FIRST(&b->jwks_parked); p; p = next) { /* every request that waited for it goes again */
		next = LIST_NEXT(p, link);
		if (strcmp(p->src, f->src))
			continue;
		LIST_REMOVE(p, link);
		p->resume(b, p->req);
		free(p);
	}
	free(f);
}

static int
start_fetch(Backend *b, const char *url)
{
	Fetch *f;
	int rc;

	if (json_object_get(json_object_get(cache(b), url), "fetching"))
		return 0;
	if (!b->cu && (rc = curluv_init(b->loop, &b->cu)))
		return rc;
	f = emalloc(sizeof *f + strlen(url) + 1);
	f->b = b;
	strcpy(f->src, url);
	if ((rc = curluv_request(b->cu, "GET", url, NULL, NULL, 0, FETCH_MS, fetched, f))) {
		free(f);
		return rc;
	}
	if (!json_object_get(cache(b), url))
		json_object_set_new(cache(b), url, json_object());
	json_object_set_new(json_object_get(cache(b), url), "fetching", json_true());
	return 0;
}

static int
from_url(Backend *b, const char *url, HttpReq *req, jwks_resume_cb resume, const json_t **out, char *err, size_t n)
{
	json_t *c = json_object_get(cache(b), url);
	int64_t age = now_ms() - json_integer_value(json_object_get(c, "at"));
	Parked *p;

	if ((*out = json_object_get(c, "set"))) {
		if (age > FRESH_MS)
			start_fetch(b, url); /* in the background: the old set serves meanwhile */
		return 0;
	}
	if (json_object_get(c, "error") && age < FAILED_MS)
		return snprintf(err, n, "The key set could not be fetched from %s: %s.", url,
		                jstr(json_object_get(c, "error"))),
		       -EIO;
	if (start_fetch(b, url))
		return snprintf(err, n, "The key set could not be fetched from %s.", url), -EIO;
	p = emalloc(sizeof *p + strlen(url) + 1);
	p->req = req;
	p->resume = resume;
	strcpy(p->src, url);
	LIST_INSERT_HEAD(&b->jwks_parked, p, link);
	return -EAGAIN;
}

/* DATA/jwks/NAME, read again when it changes. */
static int
from_file(Backend *b, const char *name, const json_t **out, char *err, size_t n)
{
	char path[1400], key[1500], e[256];
	struct stat st;
	json_t *c, *set;
	Buf text = { 0 };
	FILE *f;

	snprintf(path, sizeof path, "%s/jwks/%s", b->opt.data_dir, name);
	snprintf(key, sizeof key, "file:%s", name);
	if (stat(path, &st) || !(f = fopen(path, "r")))
		return snprintf(err, n, "The key set file jwks/%s cannot be read.", name), -EIO;
	c = json_object_get(cache(b), key);
	if (c && json_integer_value(json_object_get(c, "mtime")) ==
	                 (json_int_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec) {
		fclose(f);
		*out = json_object_get(c, "set");
		return 0;
	}
	for (char chunk[4096]; !feof(f) && !ferror(f);)
		buf_add(&text, chunk, fread(chunk, 1, sizeof chunk, f));
	fclose(f);
	set = set_of(text.p ? text.p : "", text.n, e, sizeof e);
	buf_free(&text);
	if (!set)
		return snprintf(err, n, "The key set file jwks/%s is %s.", name, e), -EIO;
	json_object_set_new(cache(b), key,
	                    json_pack("{s:o, s:I}", "set", set, "mtime",
	                              (json_int_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec));
	b->gw_gen++; /* tokens verified with the old keys are checked again */
	*out = set;
	return 0;
}

/* The key set a JWT scheme names ("jwks_file" or "jwks_uri"); 0 with *out
 * (borrowed), -EAGAIN when req waits for a fetch (resume(b, req) follows),
 * or -EIO with err. */
int
jwks_get(Backend *b, const json_t *cfg, HttpReq *req, jwks_resume_cb resume, const json_t **out, char *err, size_t n)
{
	const char *file = json_string_value(json_object_get(cfg, "jwks_file"));

	*out = NULL;
	if (file)
		return from_file(b, file, out, err, n);
	return from_url(b, jstr(json_object_get(cfg, "jwks_uri")), req, resume, out, err, n);
}

void
jwks_free(Backend *b)
{
	json_decref(b->jwks);
	b->jwks = NULL;
	while (!LIST_EMPTY(&b->jwks_parked)) {
		Parked *p = LIST_FIRST(&b->jwks_parked);
		LIST_REMOVE(p, link);
		free(p);
	}
	if (b->cu)
		curluv_free(b->cu);
	b->cu = NULL;
}

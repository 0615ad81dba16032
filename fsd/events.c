/* events.c — the backend's event stream: cache invalidation, activations, up and down.
 *
 * One long GET of /api/v1/namespaces/_/events, a chunked answer that never
 * ends, one JSON object a line (DESIGN.md). Entity events go to the cache
 * (cache_event), which tells the kernel what changed (notify.c); finished
 * activations go to activ.c (log, stream, results), running activations'
 * log lines (logs=true) to live.c. Connecting is how we
 * learn the backend is up: once the answer's headers say 200, the namespace
 * is asked and every collection listed again (changes made while we were
 * away are only seen so), the latest activations fetched (act_latest), and
 * then the mount serves entity files again. When
 * the stream ends or cannot connect, the backend is down: entity files give
 * EIO, status says why, and we try again, a little slower each time, up to
 * a second apart. A TLS backend whose certificate we refuse at the first
 * try is no backend at all: fs.fatal says why and faasfs does not mount.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static Buf line;
static uv_timer_t retry, drain;
static int needprime;
static int backoff = 50;
static int connected;
static int priming;
static struct curl_slist *hdrs;
static void (*firstcb)(void);

static void connect_stream(void);
static void prime(void);

static void
retry_prime(uv_timer_t *t)
{
	(void)t;
	prime();
}

static void
retry_connect(uv_timer_t *t)
{
	(void)t;
	connect_stream();
}

/* An activation event: its record goes to activ.c as text (scan.c), unparsed. */
static int
handle_activation(const char *p, size_t n)
{
	static const char *const keys[] = { "kind", "seq", "activation" };
	const char *v[3], *ve[3];
	char kind[16];

	if (js_fields(p, p + n, keys, 3, v, ve) < 0 || js_strv(v[0], ve[0], kind, sizeof kind) < 0 ||
	    strcmp(kind, "activations") != 0)
		return -1;
	if (v[1] != NULL && *v[1] >= '0' && *v[1] <= '9')
		fs.evseq = js_intv(v[1], ve[1]);
	if (v[2] != NULL)
		act_add(v[2], ve[2] - v[2]);
	return 0;
}

static void
handle(const char *p, size_t n)
{
	json_t *ev;
	const char *kind;
	json_t *seq;

	if (handle_activation(p, n) == 0)
		return;
	ev = json_loadb(p, n, JSON_ALLOW_NUL, NULL);
	kind = json_string_value(json_object_get(ev, "kind"));
	seq = json_object_get(ev, "seq");
	if (json_is_integer(seq))
		fs.evseq = json_integer_value(seq);
	if (kind != NULL && strcmp(kind, "logs") == 0)
		live_event(ev);
	else if (kind == NULL || strcmp(kind, "ping") == 0 || strcmp(kind, "activations") == 0)
		;
	else
		cache_event(ev);
	json_decref(ev);
}

/*
 * What curl hands us is handled on the next turn of the loop, not in its
 * callback: libcurl refuses new transfers from inside its callbacks, and
 * handling an event may start some (a recheck, a package's document).
 */
static void
drain_cb(uv_timer_t *t)
{
	char *nl;

	(void)t;
	if (needprime) {
		needprime = 0;
		prime();
	}
	while (line.n > 0 && (nl = memchr(line.p, '\n', line.n)) != NULL) {
		handle(line.p, nl - line.p);
		buf_consume(&line, nl - line.p + 1);
	}
}

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;

	(void)arg;
	buf_add(&line, p, n);
	uv_timer_start(&drain, drain_cb, 0, 0);
	return n;
}

static void
up(void)
{
	fs_up();
	if (firstcb) {
		firstcb();
		firstcb = NULL;
	}
}

static void
primed(int err)
{
	priming = 0;
	if (err < 0) {
		if (connected)
			uv_timer_start(&retry, retry_prime, 500, 0);
		return;
	}
	act_latest(up);
}

static void
namespaces(Resp *r, void *arg)
{
	const char *ns = json_string_value(json_array_get(resp_json(r), 0));

	(void)arg;
	if (ns != NULL) {
		free(fs.ns);
		fs.ns = estrdup(ns);
	}
	if (r->err < 0 || ns == NULL || cache_prime(primed) < 0)
		primed(-EIO);
}

static void
prime(void)
{
	if (priming || !connected)
		return;
	priming = 1;
	if (bk_json("GET", "/namespaces", NULL, namespaces, NULL) < 0)
		primed(-EIO);
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;
	CURL *easy = arg;
	long code = 0;

	if (n <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			live_reset();
			connected = 1;
			backoff = 50;
			needprime = 1;
			uv_timer_start(&drain, drain_cb, 0, 0);
		} else if (code == 401 || code == 403) {
			fs_down("the backend refused our key (401): check AUTH in ~/.wskprops or --auth");
		}
	}
	return n;
}

/* TLS failed because of the certificate (ours or the peer's), not the network. */
static int
cert_refused(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_ISSUER_ERROR;
}

static void
on_done(CurluvResp *r, void *arg)
{
	char why[512];

	(void)arg;
	connected = 0;
	needprime = 0;
	drain_cb(NULL);
	buf_reset(&line);
	if (fs.shutting)
		return;
	if (r->rc != CURLE_OK)
		snprintf(why, sizeof why, "%s: %s%s", fs.base, r->error ? r->error : curl_easy_strerror(r->rc),
		         cert_refused(r->rc) ? ": the backend's certificate is not one we trust (--cafile names the CA "
		                               "that signed it; without it, the system's store is used)"
		                             : "");
	else
		snprintf(why, sizeof why, "%s: the event stream ended (HTTP %ld)", fs.base, r->status);
	if (firstcb && cert_refused(r->rc)) { /* a certificate that fails now will fail at every try */
		fs.fatal = estrdup(why);
		firstcb();
		firstcb = NULL;
		return;
	}
	fs_down(why);
	if (firstcb) {
		firstcb();
		firstcb = NULL;
	}
	uv_timer_start(&retry, retry_connect, backoff, 0);
	if (backoff < 1000)
		backoff *= 2;
}

static void
connect_stream(void)
{
	char url[1024];
	CURL *easy = curl_easy_init();

	if (easy == NULL)
		return;
	snprintf(url, sizeof url, "%s/api/v1/namespaces/_/events?logs=true", fs.base);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, easy);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	if (curluv_add(fs.cu, easy, on_done, NULL) < 0) {
		curl_easy_cleanup(easy);
		uv_timer_start(&retry, retry_connect, 1000, 0);
	}
}

/*
 * Start following the backend; first() runs once, when the cache is first
 * filled or the first try to connect failed.
 */
int
events_start(void (*first)(void))
{
	int rc;

	if ((rc = uv_timer_init(fs.loop, &retry)) < 0 || (rc = uv_timer_init(fs.loop, &drain)) < 0)
		return rc;
	hdrs = curl_slist_append(NULL, fs.authhdr);
	firstcb = first;
	connect_stream();
	return 0;
}

void
events_stop(void)
{
	uv_timer_stop(&retry);
	uv_timer_stop(&drain);
	uv_close((uv_handle_t *)&retry, NULL);
	uv_close((uv_handle_t *)&drain, NULL);
}

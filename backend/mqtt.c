/* mqtt.c — /whisk.system/mqtt/subscribe: a subscription to an MQTT broker, with libmosquitto on the backend's loop.
 *
 * Parameters: url (mqtt://[USER:PASSWORD@]HOST[:PORT], 1883 by default, or
 * mqtts:// over TLS, 8883 by default: ca, cert, key and insecure as
 * mqtt_tls.c takes them), topic (a subscription, + and # wildcards), qos
 * (0, 1 or 2; 0 by default), username and password (over the url's).
 * Each message fires the trigger once with {"topic", "qos", "retain",
 * "payload"}: the payload as it came when it is UTF-8 text, else base64
 * with "encoding": "base64".
 *
 * One client a trigger, its socket polled on the backend's loop
 * (mosquitto_loop_read/write/misc), no thread. With qos above 0 the
 * session is kept (clean_session false, a client id of the trigger's
 * own), so the broker holds messages while the backend is down. A lost
 * connection is retried after 1 s, doubling to 60 s. CREATE and UPDATE
 * first connect in a worker thread: a broker that cannot be reached, or
 * refuses the credentials, or whose certificate is refused, is 400 saying
 * which and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "fns.h"
#include "log.h"

enum { KEEPALIVE_S = 30, MISC_MS = 1000, BACKOFF_MIN_MS = 1000, BACKOFF_MAX_MS = 60000, PROBE_MS = 3000 };

typedef struct Broker {
	char host[256];
	int port;
	char user[256], pass[256];
	int has_user;
	char topic[1024];
	int qos;
	int tls; /* mqtts:// */
} Broker;

typedef struct Sub {
	LIST_ENTRY(Sub) link; /* on subs */
	Backend *b;
	char ns[NAME_MAX_LEN + 1];
	char trigger[NAME_MAX_LEN + 1];
	Broker k;
	struct mosquitto *m;
	uv_poll_t *poll; /* on the current socket, or NULL */
	int fd;
	uv_timer_t timer; /* loop_misc while connected; the next try while not */
	int backoff_ms, connected, closing;
	char why[MQTT_WHY_LEN]; /* why the broker's certificate was refused (mqtt_tls.c) */
} Sub;

static LIST_HEAD(, Sub) subs;

static int
bad(char *err, size_t n, const char *fmt, const char *arg)
{
	snprintf(err, n, fmt, arg);
	return -EINVAL;
}

/* config into k; err says which parameter and why. */
static int
broker_parse(const json_t *config, Broker *k, char *err, size_t n)
{
	const char *url = json_string_value(json_object_get(config, "url"));
	const char *topic = json_string_value(json_object_get(config, "topic"));
	const json_t *qos = json_object_get(config, "qos"), *u = json_object_get(config, "username"),
	             *p = json_object_get(config, "password");
	const char *at, *hp, *colon;
	char *end;
	int64_t q;

	memset(k, 0, sizeof *k);
	if (!url)
		return bad(err, n, "The url parameter is required: the broker, as mqtt://HOST:PORT.%s", "");
	k->tls = strncmp(url, "mqtts://", 8) == 0 || strncmp(url, "ssl://", 6) == 0;
	if (strncmp(url, "mqtt://", 7) && strncmp(url, "tcp://", 6) && !k->tls)
		return bad(err, n, "The url '%s' is not mqtt[s]://[USER:PASSWORD@]HOST[:PORT].", url);
	hp = strstr(url, "://") + 3;
	if ((at = strrchr(hp, '@'))) {
		colon = memchr(hp, ':', at - hp);
		snprintf(k->user, sizeof k->user, "%.*s", (int)((colon ? colon : at) - hp), hp);
		if (colon)
			snprintf(k->pass, sizeof k->pass, "%.*s", (int)(at - colon - 1), colon + 1);
		k->has_user = 1;
		hp = at + 1;
	}
	colon = strrchr(hp, ':');
	snprintf(k->host, sizeof k->host, "%.*s", (int)(colon ? colon - hp : (long)strcspn(hp, "/")), hp);
	k->port = colon ? (int)strtol(colon + 1, &end, 10) : k->tls ? 8883 : 1883;
	if (!k->host[0] || k->port < 1 || k->port > 65535 || (colon && *end && *end != '/'))
		return bad(err, n, "The url '%s' is not mqtt[s]://[USER:PASSWORD@]HOST[:PORT].", url);
	if (!topic || mosquitto_sub_topic_check(topic) != MOSQ_ERR_SUCCESS || strlen(topic) >= sizeof k->topic)
		return bad(err, n, "The topic '%s' is not a subscription: levels split by /, + for one level, # last.",
		           topic ? topic : "(none)");
	snprintf(k->topic, sizeof k->topic, "%s", topic);
	q = json_is_integer(qos) ? json_integer_value(qos) : 0;
	if ((json_is_string(qos) && num_int(json_string_value(qos), 0, 2, &q) < 0) || q < 0 || q > 2)
		return bad(err, n, "The qos must be 0, 1 or 2.%s", "");
	k->qos = (int)q;
	if (u && json_is_string(u))
		snprintf(k->user, sizeof k->user, "%s", json_string_value(u)), k->has_user = 1;
	if (p && json_is_string(p))
		snprintf(k->pass, sizeof k->pass, "%s", json_string_value(p));
	return 0;
}

/* The TLS parameters are for mqtts:// only. */
static int
tls_params(const json_t *config, const Broker *k, char *err, size_t n)
{
	static const char *const only_tls[] = { "ca", "cert", "key", "insecure" };

	for (size_t i = 0; !k->tls && i < sizeof only_tls / sizeof only_tls[0]; i++)
		if (json_object_get(config, only_tls[i]))
			return bad(err, n, "The %s parameter is for an mqtts:// url only.", only_tls[i]);
	return 0;
}

/* A client for k, over TLS for mqtts:// (why: its refusals); 0 or -errno, err says. */
static int
client_new(const json_t *config, const Broker *k, const char *id, void *arg, char *why, struct mosquitto **out,
           char *err, size_t n)
{
	SSL_CTX *ctx = NULL;
	int rc;

	*out = NULL;
	if (k->tls && (rc = mqtt_tls_ctx(config, k->host, why, &ctx, err, n)))
		return rc;
	if (!(*out = mosquitto_new(id, id == NULL || k->qos == 0, arg)))
		oom(0); /* libmosquitto's own allocation: its one failure with these arguments */
	if (ctx) {      /* ours as it is (no defaults over it); libmosquitto keeps a reference of its own */
		mosquitto_int_option(*out, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
		mosquitto_void_option(*out, MOSQ_OPT_SSL_CTX, ctx);
	}
	SSL_CTX_free(ctx);
	if (k->has_user)
		mosquitto_username_pw_set(*out, k->user, k->pass[0] ? k->pass : NULL);
	return 0;
}

static int
mqtt_check(Backend *b, json_t *config, char *err, size_t n)
{
	struct mosquitto *m;
	char why[MQTT_WHY_LEN];
	Broker k;
	int rc;

	(void)b;
	if ((rc = broker_parse(config, &k, err, n)) || (rc = tls_params(config, &k, err, n)) ||
	    (rc = client_new(config, &k, NULL, NULL, why, &m, err, n)))
		return rc;
	mosquitto_destroy(m);
	return 0;
}

/* A TCP connection to host:port within PROBE_MS; 0 or -errno (err says). */
static int
reach(const Broker *k, char *err, size_t n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	char port[16];
	int rc, fd, e = ECONNREFUSED;

	snprintf(port, sizeof port, "%d", k->port);
	if ((rc = getaddrinfo(k->host, port, &hints, &ai)))
		return snprintf(err, n, "The broker %s cannot be reached: %s.", k->host, gai_strerror(rc)),
		       -EHOSTUNREACH;
	for (a = ai; a; a = a->ai_next) {
		struct pollfd p;
		socklen_t len = sizeof e;
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			e = 0;
		else if (errno != EINPROGRESS)
			e = errno;
		else {
			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			e = poll(&p, 1, PROBE_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0
			            ? e
			            : ETIMEDOUT;
		}
		close(fd);
		if (!e)
			break;
	}
	freeaddrinfo(ai);
	if (e)
		return snprintf(err, n, "The broker %s:%d cannot be reached: %s.", k->host, k->port, strerror(e)), -e;
	return 0;
}

static void
probe_connected(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	*(int *)arg = rc;
}

/* In a worker thread: the broker answers, and takes the credentials. */
static int
mqtt_probe(const json_t *config, char *err, size_t n)
{
	char why[MQTT_WHY_LEN] = "";
	struct mosquitto *m;
	Broker k;
	int rc, connack = -1;

	if ((rc = broker_parse(config, &k, err, n)) || (rc = reach(&k, err, n)))
		return -EINVAL;
	if ((rc = client_new(config, &k, NULL, &connack, why, &m, err, n)))
		return rc;
	mosquitto_connect_callback_set(m, probe_connected);
	ERR_clear_error();
	rc = mosquitto_connect(m, k.host, k.port, KEEPALIVE_S);
	for (int waited = 0; rc == MOSQ_ERR_SUCCESS && connack < 0 && waited < PROBE_MS; waited += 100)
		rc = mosquitto_loop(m, 100, 1);
	if (connack > 0) /* the CONNACK said no: on_connect ran, then the loop failed */
		snprintf(err, n, "The broker %s:%d refused the connection: %s", k.host, k.port,
		         mosquitto_connack_string(connack));
	else if (rc == MOSQ_ERR_TLS && why[0])
		snprintf(err, n, "The broker %s:%d's certificate is refused: %s.", k.host, k.port, why);
	else if (rc == MOSQ_ERR_TLS)
		snprintf(err, n, "The broker %s:%d cannot be reached over TLS: %s.", k.host, k.port,
		         ERR_peek_last_error() ? ERR_reason_error_string(ERR_peek_last_error())
		                               : "the handshake failed");
	else if (rc != MOSQ_ERR_SUCCESS || connack < 0)
		snprintf(err, n, "The broker %s:%d cannot be reached: %s", k.host, k.port,
		         rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc) : "it did not answer.");
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	return rc != MOSQ_ERR_SUCCESS || connack ? -EINVAL : 0;
}

static void
poll_closed(uv_handle_t *h)
{
	free(h);
}

static void
socket_drop(Sub *s)
{
	if (s->poll) {
		uv_poll_stop(s->poll);
		uv_close((uv_handle_t *)s->poll, poll_closed);
	}
	s->poll = NULL;
	s->fd = -1;
}

static void poll_cb(uv_poll_t *h, int status, int events);
static void timer_cb(uv_timer_t *t);

static void
retry_later(Sub *s)
{
	socket_drop(s);
	s->connected = 0;
	if (s->closing)
		return;
	if (s->why[0]) { /* the broker's certificate changed since CREATE */
		log_warn("mqtt: %s/%s: %s:%d's certificate is refused: %s", s->ns, s->trigger, s->k.host, s->k.port,
		         s->why);
		s->why[0] = 0;
	}
	uv_timer_start(&s->timer, timer_cb, (uint64_t)s->backoff_ms, 0);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* Poll the client's socket for what it needs: always reading, writing when it has output. */
static void
socket_watch(Sub *s)
{
	int fd = mosquitto_socket(s->m);

	if (fd < 0) {
		retry_later(s);
		return;
	}
	if (fd != s->fd) {
		socket_drop(s);
		/* libmosquitto makes its socket without SOCK_CLOEXEC; a process
		 * the backend starts must not hold it past its close here (epoll
		 * would go on watching the dead socket under the number the next
		 * connection reuses, and that one would never be served) */
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (!(s->poll = emalloc(sizeof *s->poll)) || uv_poll_init(s->b->loop, s->poll, fd)) {
			free(s->poll);
			s->poll = NULL;
			retry_later(s);
			return;
		}
		s->poll->data = s;
		s->fd = fd;
	}
	uv_poll_start(s->poll, UV_READABLE | (mosquitto_want_write(s->m) ? UV_WRITABLE : 0), poll_cb);
}

static void
poll_cb(uv_poll_t *h, int status, int events)
{
	Sub *s = h->data;
	int rc = MOSQ_ERR_SUCCESS;

	if (status < 0) {
		retry_later(s);
		return;
	}
	if (events & UV_READABLE)
		rc = mosquitto_loop_read(s->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && (events & UV_WRITABLE))
		rc = mosquitto_loop_write(s->m, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		retry_later(s);
		return;
	}
	if (s->poll)
		socket_watch(s);
}

static void
timer_cb(uv_timer_t *t)
{
	Sub *s = t->data;

	if (s->fd >= 0) { /* connected, or connecting: keep it alive */
		if (mosquitto_loop_misc(s->m) != MOSQ_ERR_SUCCESS) {
			retry_later(s);
			return;
		}
		socket_watch(s);
		uv_timer_start(&s->timer, timer_cb, MISC_MS, 0);
		return;
	}
	if (mosquitto_reconnect_async(s->m) != MOSQ_ERR_SUCCESS) {
		retry_later(s);
		return;
	}
	socket_watch(s);
	uv_timer_start(&s->timer, timer_cb, MISC_MS, 0);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	Sub *s = arg;

	if (rc) {
		log_warn("mqtt: %s/%s: %s:%d refused: %s", s->ns, s->trigger, s->k.host, s->k.port,
		         mosquitto_connack_string(rc));
		return;
	}
	s->connected = 1;
	s->backoff_ms = BACKOFF_MIN_MS;
	mosquitto_subscribe(m, NULL, s->k.topic, s->k.qos);
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	(void)m, (void)rc;
	((Sub *)arg)->connected = 0;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	Sub *s = arg;
	Caller who = { 0 };
	json_t *payload, *annot, *raw;

	(void)m;
	payload = json_pack("{s:s, s:i, s:b}", "topic", msg->topic, "qos", msg->qos, "retain", msg->retain);
	raw = params_raw(NULL, msg->payload ? msg->payload : "", (size_t)msg->payloadlen); /* text, or base64 */
	json_object_set(payload, "payload", json_object_get(raw, "__ow_body"));
	if (!text_is_utf8(msg->payload, (size_t)msg->payloadlen))
		json_object_set_new(payload, "encoding", json_string("base64"));
	json_decref(raw);
	snprintf(who.ns, sizeof who.ns, "%s", s->ns);
	annot = json_pack("{s:s}", "feed", "/" CATALOG_NS "/mqtt/subscribe");
	if (trigger_fire(s->b, &who, s->trigger, NULL, payload, annot, feed_fired, NULL, NULL) == 429) {
		log_warn("mqtt: %s/%s: %s", s->ns, s->trigger, quota_refusal());
		trigger_error(s->b, s->ns, s->trigger, quota_refusal(), annot); /* where a person looks */
	}
	json_decref(annot);
	json_decref(payload);
}

/* The client id of a trigger's subscription: its session, when kept. */
static void
client_id(const Sub *s, char *out, size_t n)
{
	unsigned char md[32];
	unsigned int len = 0;
	char key[2 * NAME_MAX_LEN + 2];

	snprintf(key, sizeof key, "%s/%s", s->ns, s->trigger);
	EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL);
	snprintf(out, n, "faasfs-%02x%02x%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4], md[5], md[6],
	         md[7]);
}

static int
mqtt_start(Backend *b, FeedRow *r, char *err, size_t n)
{
	Sub *s = ecalloc(1, sizeof *s);
	char id[64];
	int rc;

	if ((rc = broker_parse(r->config, &s->k, err, n))) {
		free(s);
		return rc;
	}
	s->b = b;
	s->fd = -1;
	s->backoff_ms = BACKOFF_MIN_MS;
	snprintf(s->ns, sizeof s->ns, "%s", r->ns);
	snprintf(s->trigger, sizeof s->trigger, "%s", r->trigger);
	client_id(s, id, sizeof id);
	if ((rc = client_new(r->config, &s->k, id, s, s->why, &s->m, err, n))) {
		free(s);
		return rc;
	}
	mosquitto_connect_callback_set(s->m, on_connect);
	mosquitto_disconnect_callback_set(s->m, on_disconnect);
	mosquitto_message_callback_set(s->m, on_message);
	uv_timer_init(b->loop, &s->timer);
	uv_unref((uv_handle_t *)&s->timer);
	s->timer.data = s;
	LIST_INSERT_HEAD(&subs, s, link);
	if (mosquitto_connect_async(s->m, s->k.host, s->k.port, KEEPALIVE_S) != MOSQ_ERR_SUCCESS)
		retry_later(s);
	else
		socket_watch(s), uv_timer_start(&s->timer, timer_cb, MISC_MS, 0);
	r->next_due = 0;
	return 0;
}

static void
sub_closed(uv_handle_t *h)
{
	Sub *s = h->data;

	mosquitto_destroy(s->m);
	free(s);
}

static void
sub_close(Sub *s)
{
	s->closing = 1;
	mosquitto_disconnect(s->m);
	socket_drop(s);
	uv_close((uv_handle_t *)&s->timer, sub_closed);
}

static void
mqtt_stop(Backend *b, const char *ns, const char *trigger)
{
	Sub *s;

	(void)b;
	LIST_FOREACH(s, &subs, link)
		if (strcmp(s->trigger, trigger) == 0 && strcmp(s->ns, ns) == 0) {
			LIST_REMOVE(s, link);
			sub_close(s);
			return;
		}
}

static void
load_one(FeedRow *r, void *arg)
{
	char err[1024];

	if (!r->paused && !r->error[0] && feed_service_of(r->feed) == &mqtt_subscribe &&
	    mqtt_start(arg, r, err, sizeof err))
		feed_error(arg, r->ns, r->trigger, err);
}

int
mqtt_new(Backend *b)
{
	mosquitto_lib_init();
	return store_feed_each(b->st, CATALOG_NS "/mqtt/%", load_one, b);
}

void
mqtt_free(Backend *b)
{
	Sub *s;

	(void)b;
	while ((s = LIST_FIRST(&subs))) {
		LIST_REMOVE(s, link);
		sub_close(s);
	}
}

static const FeedParam mqtt_params[] = {
	{ "url", "the broker: mqtt://[USER:PASSWORD@]HOST[:PORT], or mqtts:// over TLS", 1 },
	{ "topic", "what to subscribe to; + is one level, # the rest", 1 },
	{ "qos", "0, 1 or 2 (0)", 0 },
	{ "username", "over the url's", 0 },
	{ "password", "over the url's", 0 },
	{ "ca", "mqtts: the certificates (PEM text) the broker's is checked against (the system's)", 0 },
	{ "cert", "mqtts: a client certificate (PEM text)", 0 },
	{ "key", "mqtts: its private key (PEM text, unencrypted)", 0 },
	{ "insecure", "mqtts: true skips the check of the broker's name (false)", 0 },
	{ NULL, NULL, 0 },
};

const FeedService mqtt_subscribe = { .pkg = "mqtt",
	                             .name = "subscribe",
	                             .description = "Fire the trigger once per message on an MQTT topic.",
	                             .params = mqtt_params,
	                             .check = mqtt_check,
	                             .start = mqtt_start,
	                             .stop = mqtt_stop,
	                             .probe = mqtt_probe };

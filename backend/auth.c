/* auth.c — namespaces and their keys: creating them, checking Basic auth.
 *
 * A namespace has one credential, "uuid:key" as OpenWhisk's: the uuid
 * names it, the key proves it. The store keeps only SHA-256(key) in hex, so
 * a copy of the database does not give away any key. A request carries
 * "Authorization: Basic base64(uuid:key)"; we look the uuid up, hash the
 * key and compare in constant time.
 *
 * On first start the `guest` namespace is made with a fresh key, written
 * (mode 0600) to DATA/guest.auth and, unless the file exists, to
 * ~/.wskprops as APIHOST and AUTH so that `wsk` and the file system find
 * it. FAASFS_AUTH=uuid:key in the environment sets guest's credential
 * instead of a random one, on every start.
 *
 * A user's feed action is handed a key of its own for the trigger it feeds
 * (feeds.c): "uuid:HMAC-SHA256(secret, uuid)" in hex, where the uuid is the
 * trigger's row in the feeds table and the secret is DATA/feed.secret (32
 * random bytes, 0600, made at first start), so the same key comes back on
 * every lifecycle event and none is stored. It authenticates as the
 * trigger's namespace with caller.scope set to the trigger: api.c lets it
 * read and fire that trigger and nothing else. It dies with the trigger.
 *
 * A function's key ("fn-ID:...", caller.fn) is fnkey.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fns.h"
#include "log.h"

void
key_hash(const char *key, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int auth_verify(Backend *b, const char *header, Caller *who);

/* The "uuid:key" of a Basic header, decoded into cred (NUL-terminated); -EACCES when none fits. */
static int
basic_cred(const char *header, char *cred, size_t n)
{
	Buf raw = { 0 };
	int rc = -EACCES;

	if (header && !strncasecmp(header, "Basic ", 6) && !base64_decode(header + 6, strlen(header + 6), &raw) &&
	    raw.n < n) {
		memcpy(cred, raw.p, raw.n + 1);
		rc = 0;
	}
	buf_free(&raw);
	return rc;
}

/* Who is calling: 0 with who filled, or -EACCES. A credential once
 * checked is remembered, decoded (keys do not change while the daemon
 * runs), which saves the hash, the lookup and the base64 on every request
 * of a busy client. */
int
auth_check(Backend *b, const char *header, Caller *who)
{
	struct auth_seen *seen;
	int rc;

	_Static_assert(sizeof seen->ns == sizeof who->ns && sizeof seen->auth == sizeof who->auth, "caller's sizes");
	for (int i = 0; header && i < 16; i++)
		if (b->auth_seen[i].ns[0] && strcmp(b->auth_seen[i].header, header) == 0) {
			memcpy(who->ns, b->auth_seen[i].ns, sizeof who->ns);
			memcpy(who->auth, b->auth_seen[i].auth, sizeof who->auth);
			return 0;
		}
	if ((rc = auth_verify(b, header, who)) || strlen(header) >= sizeof b->auth_seen[0].header || who->scope[0] ||
	    who->fn[0])
		return rc; /* a feed's key is checked each time: it goes with its trigger; a function's with its run */
	seen = &b->auth_seen[b->auth_next];
	snprintf(seen->header, sizeof seen->header, "%s", header);
	memcpy(seen->ns, who->ns, sizeof seen->ns);
	memcpy(seen->auth, who->auth, sizeof seen->auth);
	b->auth_next = (b->auth_next + 1) % 16;
	return 0;
}

/* The key of a feed's uuid or of a function's (fnkey.c): HMAC-SHA256 of it
 * under DATA/feed.secret, 64 hex digits. */
void
feed_key_hex(Backend *b, const char *uuid, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	HMAC(EVP_sha256(), b->feed_secret, sizeof b->feed_secret, (const unsigned char *)uuid, strlen(uuid), md, &len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* "uuid:key" for a user's feed action, into out (at least 110 bytes). */
void
feed_key(Backend *b, const char *uuid, char *out, size_t n)
{
	char hex[65];

	feed_key_hex(b, uuid, hex);
	snprintf(out, n, "%s:%s", uuid, hex);
}

static int
feed_verify(Backend *b, const char *uuid, const char *key, Caller *who)
{
	FeedRow r;
	char want[65];
	unsigned diff = strlen(key) != 64;

	if (store_feed_get(b->st, NULL, uuid, &r))
		return -EACCES;
	if (feed_service_of(r.feed)) { /* a built-in feed's uuid (a webhook's id) is no key */
		feed_row_clear(&r);
		return -EACCES;
	}
	feed_key_hex(b, uuid, want);
	for (int i = 0; i < 64 && key[i]; i++)
		diff |= (unsigned char)(want[i] ^ key[i]);
	if (!diff) {
		snprintf(who->ns, sizeof who->ns, "%s", r.ns);
		snprintf(who->scope, sizeof who->scope, "%s", r.trigger);
		diff = snprintf(who->auth, sizeof who->auth, "%s:%s", uuid, key) >= (int)sizeof who->auth;
	}
	feed_row_clear(&r);
	return diff ? -EACCES : 0;
}

static int
auth_verify(Backend *b, const char *header, Caller *who)
{
	char cred[256], ns[NAME_MAX_LEN + 1], want[65], got[65], *colon;
	unsigned diff = 0;

	if (basic_cred(header, cred, sizeof cred))
		return -EACCES;
	if (!(colon = strchr(cred, ':')))
		return -EACCES;
	*colon = 0;
	if (strncmp(cred, "fn-", 3) == 0)
		return fnkey_verify(b, cred, colon + 1, who);
	if (store_ns_by_uuid(b->st, cred, ns, sizeof ns, want, sizeof want))
		return feed_verify(b, cred, colon + 1, who);
	key_hash(colon + 1, got);
	for (int i = 0; i < 64; i++)
		diff |= (unsigned char)(want[i] ^ got[i]);
	if (diff)
		return -EACCES;
	*colon = ':';
	snprintf(who->ns, sizeof who->ns, "%s", ns);
	snprintf(who->auth, sizeof who->auth, "%s", cred);
	return 0;
}

void
uuid_new(char out[37])
{
	char hex[33];

	random_hex(hex, 32);
	hex[12] = '4';
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void
key_new(char out[65])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];

	random_bytes(r, sizeof r);
	for (int i = 0; i < 64; i++)
		out[i] = abc[r[i] % 62];
	out[64] = 0;
}

/* Create namespace name with a fresh credential (or `cred` if given);
 * the "uuid:key" text goes to out. -EEXIST if it exists. */
int
ns_create(Store *st, const char *name, const char *cred, char *out, size_t n)
{
	char uuid[37], key[65], hash[65], err[256];
	const char *colon;
	int rc;

	if ((rc = name_check(name, err, sizeof err))) {
		log_error("%s", err);
		return rc;
	}
	if (store_ns_exists(st, name))
		return -EEXIST;
	if (cred && (colon = strchr(cred, ':'))) {
		snprintf(uuid, sizeof uuid, "%.*s", (int)(colon - cred), cred);
		snprintf(key, sizeof key, "%s", colon + 1);
	} else {
		uuid_new(uuid);
		key_new(key);
	}
	key_hash(key, hash);
	if ((rc = store_ns_add(st, name, uuid, hash, now_ms())))
		return rc;
	snprintf(out, n, "%s:%s", uuid, key);
	return 0;
}

static int
write_private(const char *path, const char *text, int excl)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (excl ? O_EXCL : 0), 0600);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	fchmod(fd, 0600);
	return close(fd) ? -errno : 0;
}

/* DATA/feed.secret, made at first start. */
int
feed_secret_load(Backend *b)
{
	char path[1100];
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/feed.secret", b->opt.data_dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		rc = read(fd, b->feed_secret, sizeof b->feed_secret) == (ssize_t)sizeof b->feed_secret ? 0 : -EIO;
		close(fd);
	} else if (errno != ENOENT) {
		rc = -errno;
	} else if (!(rc = random_bytes(b->feed_secret, sizeof b->feed_secret))) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		rc = fd < 0                                                                               ? -errno
		     : write(fd, b->feed_secret, sizeof b->feed_secret) == (ssize_t)sizeof b->feed_secret ? 0
		                                                                                          : -EIO;
		if (fd >= 0 && close(fd))
			rc = -errno;
	}
	if (rc)
		log_error("%s: %s", path, strerror(-rc));
	return rc;
}

/* Whether the wskprops file at path says AUTH=cred (its last AUTH line counts, as for wsk). */
static int
props_has_auth(const char *path, const char *cred)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int same = 0;

	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, "AUTH=", 5))
			same = !strcmp(line + 5, cred);
	}
	free(line);
	fclose(f);
	return same;
}

/* Make sure guest exists; FAASFS_AUTH sets its credential. */
int
ns_guest_setup(Backend *b)
{
	const char *env = getenv("FAASFS_AUTH"), *home = getenv("HOME");
	char cred[256], path[1200], text[512], hash[65];
	int rc = 0;

	if (env && !strchr(env, ':')) {
		log_error("FAASFS_AUTH must be uuid:key");
		return -EINVAL;
	}
	if (!store_ns_exists(b->st, "guest")) {
		if ((rc = ns_create(b->st, "guest", env, cred, sizeof cred)))
			return rc;
	} else if (env) {
		snprintf(cred, sizeof cred, "%s", env);
		*strchr(cred, ':') = 0;
		key_hash(strchr(env, ':') + 1, hash);
		if ((rc = store_ns_set_key(b->st, "guest", cred, hash)))
			return rc;
		snprintf(cred, sizeof cred, "%s", env);
	} else {
		return 0; /* the key was written at first start */
	}
	snprintf(path, sizeof path, "%s/guest.auth", b->opt.data_dir);
	snprintf(text, sizeof text, "%s\n", cred);
	if ((rc = write_private(path, text, 0)))
		log_warn("cannot write %s: %s", path, strerror(-rc));
	if (home) {
		snprintf(path, sizeof path, "%s/.wskprops", home);
		snprintf(text, sizeof text, "APIHOST=%s\nAUTH=%s\n", b->api_host, cred);
		rc = write_private(path, text, 1);
		if (rc == 0)
			log_info("wrote the guest credential to %s", path);
		else if (rc == -EEXIST && !props_has_auth(path, cred))
			log_warn("%s exists and was left as it is, with another key: wsk and clients that read it "
			         "get 401 here; this backend's key is in %s/guest.auth",
			         path, b->opt.data_dir);
	}
	return 0;
}

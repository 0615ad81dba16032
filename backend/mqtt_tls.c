/* mqtt_tls.c — mqtts://: the TLS of an MQTT subscription, its certificates given as text.
 *
 * The broker's certificate is verified: against the certificates of the
 * "ca" parameter (PEM text) when given, else the system's store; and its
 * name against the url's host (a DNS name, or an IP address among the
 * certificate's), unless "insecure" is true, which skips only the name, as
 * mosquitto_sub --insecure does. A client certificate is "cert" and "key"
 * (PEM text, the key unencrypted). All are text, not paths: the files of
 * the backend's host are the operator's, and a path would let a namespace
 * present the operator's own client key to a broker of its choosing.
 *
 * The context is ours (OpenSSL's, given to libmosquitto whole), so that
 * nothing goes through files and a refused certificate says why: the
 * verify callback keeps the first failure in the buffer the context
 * points to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "fns.h"

/* The first reason a chain was refused, into the context's buffer. */
static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	char *why = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;

	if (!ok && why && !why[0])
		snprintf(why, MQTT_WHY_LEN, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)));
	return ok;
}

/* Every certificate of the PEM text into the context's store; how many. */
static int
add_cas(SSL_CTX *ctx, const char *pem)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *c;
	int n = 0;

	while (bio && (c = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		n += X509_STORE_add_cert(store, c) == 1;
		X509_free(c);
	}
	BIO_free(bio);
	ERR_clear_error(); /* the end of the text reads as an error */
	return n;
}

static int
fail(char *err, size_t n, const char *msg)
{
	snprintf(err, n, "%s", msg);
	return -EINVAL;
}

static int
client_cert(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t n)
{
	BIO *cb = BIO_new_mem_buf(cert, -1), *kb = BIO_new_mem_buf(key, -1);
	X509 *c = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	int rc = 0;

	if (!c)
		rc = fail(err, n, "The cert parameter is not a PEM certificate.");
	else if (!k)
		rc = fail(err, n, "The key parameter is not a PEM private key (unencrypted).");
	else if (SSL_CTX_use_certificate(ctx, c) != 1 || SSL_CTX_use_PrivateKey(ctx, k) != 1 ||
	         SSL_CTX_check_private_key(ctx) != 1)
		rc = fail(err, n, "The key parameter is not the key of the cert parameter's certificate.");
	X509_free(c);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	ERR_clear_error();
	return rc;
}

/* The TLS context for host from config's ca, cert, key and insecure; why
 * (MQTT_WHY_LEN bytes, the caller's, living as long as the context) gets
 * the reason a broker's certificate is refused. 0 or -EINVAL, err says. */
int
mqtt_tls_ctx(const json_t *config, const char *host, char *why, SSL_CTX **out, char *err, size_t n)
{
	const char *ca = json_string_value(json_object_get(config, "ca"));
	const char *cert = json_string_value(json_object_get(config, "cert"));
	const char *key = json_string_value(json_object_get(config, "key"));
	const json_t *insecure = json_object_get(config, "insecure");
	X509_VERIFY_PARAM *vp;
	unsigned char ip[16];
	SSL_CTX *ctx;
	int rc = 0;

	*out = NULL;
	if ((json_object_get(config, "ca") && !ca) || (json_object_get(config, "cert") && !cert) ||
	    (json_object_get(config, "key") && !key))
		return fail(err, n, "The ca, cert and key parameters are PEM text.");
	if (!cert != !key)
		return fail(err, n, "A client certificate is both the cert and key parameters.");
	if (insecure && !json_is_boolean(insecure))
		return fail(err, n, "The insecure parameter is true or false.");
	if (!(ctx = SSL_CTX_new(TLS_client_method())))
		oom(0); /* OpenSSL's allocation: its one failure here */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_app_data(ctx, why);
	why[0] = 0;
	if (ca && add_cas(ctx, ca) == 0)
		rc = fail(err, n, "The ca parameter holds no PEM certificate.");
	else if (!ca && SSL_CTX_set_default_verify_paths(ctx) != 1)
		rc = fail(err, n, "The system's certificates cannot be read; give the ca parameter.");
	else if (cert)
		rc = client_cert(ctx, cert, key, err, n);
	vp = SSL_CTX_get0_param(ctx);
	if (!rc && !json_is_true(insecure)) {
		if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1)
			rc = X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1 ? 0 : -EINVAL;
		else
			rc = X509_VERIFY_PARAM_set1_host(vp, host, 0) == 1 ? 0 : -EINVAL;
		if (rc)
			snprintf(err, n, "The host %s cannot be checked against a certificate.", host);
	}
	if (rc) {
		SSL_CTX_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

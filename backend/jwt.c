/* jwt.c — JSON Web Tokens (RFC 7519) checked with OpenSSL: RS256, ES256, HS256; issuer, audience, expiry.
 *
 * A token is header.payload.signature, base64url. The header's alg must
 * be one the route allows ("none" never is); the signature is checked over
 * "header.payload" with the HMAC secret (HS256) or with the public key of
 * the key set (JWKS, RFC 7517) whose kid the header names, or with each
 * key of the right type when it names none: RSA keys (n, e) for RS256, P-256
 * keys (x, y) for ES256, whose signature is r||s (RFC 7518 3.4) and is
 * given to OpenSSL as DER. Then the claims: exp and nbf (seconds, with no
 * leeway), iss equal to the issuer, aud (a string or an array) holding the
 * audience, when those are asked for. A failure says why in err.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include "fns.h"

static int
b64(const char *s, size_t n, Buf *out)
{
	return base64_decode(s, n, out);
}

/* The big number a JWK field holds (base64url), or NULL. */
static BIGNUM *
jwk_bn(const json_t *jwk, const char *field)
{
	const char *v = jstr(json_object_get(jwk, field));
	Buf raw = { 0 };
	BIGNUM *bn = NULL;

	if (v[0] && !b64(v, strlen(v), &raw) && raw.n)
		bn = BN_bin2bn((const unsigned char *)raw.p, (int)raw.n, NULL);
	buf_free(&raw);
	return bn;
}

static EVP_PKEY *
key_from(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

static EVP_PKEY *
rsa_key(const json_t *jwk)
{
	BIGNUM *n = jwk_bn(jwk, "n"), *e = jwk_bn(jwk, "e");
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;

	if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		key = key_from("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return key;
}

static EVP_PKEY *
ec_key(const json_t *jwk)
{
	const char *x = jstr(json_object_get(jwk, "x")), *y = jstr(json_object_get(jwk, "y"));
	OSSL_PARAM_BLD *bld = NULL;
	unsigned char pt[65];
	Buf bx = { 0 }, by = { 0 };
	EVP_PKEY *key = NULL;

	if (strcmp(jstr(json_object_get(jwk, "crv")), "P-256") || b64(x, strlen(x), &bx) || b64(y, strlen(y), &by) ||
	    bx.n != 32 || by.n != 32 || !(bld = OSSL_PARAM_BLD_new()))
		goto out;
	pt[0] = 4; /* uncompressed point: 04 || x || y */
	memcpy(pt + 1, bx.p, 32);
	memcpy(pt + 33, by.p, 32);
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt))
		key = key_from("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	buf_free(&bx);
	buf_free(&by);
	return key;
}

/* ES256's r||s as the DER ECDSA-Sig-Value OpenSSL verifies; its length, or 0. */
static size_t
es_der(const Buf *sig, unsigned char **der)
{
	ECDSA_SIG *s;
	int len;

	*der = NULL;
	if (sig->n != 64 || !(s = ECDSA_SIG_new()))
		return 0;
	if (!ECDSA_SIG_set0(s, BN_bin2bn((unsigned char *)sig->p, 32, NULL),
	                    BN_bin2bn((unsigned char *)sig->p + 32, 32, NULL))) {
		ECDSA_SIG_free(s);
		return 0;
	}
	len = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	return len > 0 ? (size_t)len : 0;
}

static int
verify_with(EVP_PKEY *key, const char *input, size_t n, const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) > 0 &&
	         EVP_DigestVerify(md, sig, slen, (const unsigned char *)input, n) == 1;

	EVP_MD_CTX_free(md);
	return ok;
}

/* Check the signature with a key of the set: kid's, or any of the right type. */
static int
verify_jwks(const json_t *jwks, const char *alg, const char *kid, const char *input, size_t n, const Buf *sig)
{
	int rsa = strcmp(alg, "RS256") == 0;
	const char *want = rsa ? "RSA" : "EC";
	unsigned char *der = NULL;
	size_t slen = rsa ? sig->n : es_der(sig, &der);
	const json_t *k;
	size_t i;
	int ok = 0;

	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		EVP_PKEY *key;
		if (ok || strcmp(jstr(json_object_get(k, "kty")), want) ||
		    (kid && strcmp(jstr(json_object_get(k, "kid")), kid)))
			continue;
		if ((key = rsa ? rsa_key(k) : ec_key(k))) {
			ok = slen && verify_with(key, input, n, rsa ? (unsigned char *)sig->p : der, slen);
			EVP_PKEY_free(key);
		}
	}
	OPENSSL_free(der);
	return ok;
}

static int
verify_hs(const char *secret, const char *input, size_t n, const Buf *sig)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)input, n, mac, &len))
		return 0;
	return sig->n == len && CRYPTO_memcmp(mac, sig->p, len) == 0;
}

static int
aud_has(const json_t *aud, const char *want)
{
	const json_t *v;
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, v) if (json_is_string(v) && strcmp(json_string_value(v), want) == 0) return 1;
	return 0;
}

/* The claims asked for: 0, or -EACCES with err. */
static int
claims_ok(const json_t *claims, const JwtRules *r, char *err, size_t n)
{
	const json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf");
	double now = (double)time(NULL);

	if (exp && (!json_is_number(exp) || now >= json_number_value(exp)))
		return snprintf(err, n, "The bearer token has expired."), -EACCES;
	if (!exp && r->require_exp)
		return snprintf(err, n, "The bearer token has no expiry (exp)."), -EACCES;
	if (nbf && (!json_is_number(nbf) || now < json_number_value(nbf)))
		return snprintf(err, n, "The bearer token is not valid yet (nbf)."), -EACCES;
	if (r->issuer && strcmp(jstr(json_object_get(claims, "iss")), r->issuer))
		return snprintf(err, n, "The bearer token's issuer is not %s.", r->issuer), -EACCES;
	if (r->audience && !aud_has(json_object_get(claims, "aud"), r->audience))
		return snprintf(err, n, "The bearer token's audience does not hold %s.", r->audience), -EACCES;
	return 0;
}

static int
alg_allowed(const JwtRules *r, const char *alg)
{
	const json_t *v;
	size_t i;

	if (strcmp(alg, "HS256") && strcmp(alg, "RS256") && strcmp(alg, "ES256"))
		return 0;
	if (strcmp(alg, "HS256") == 0 ? !r->secret : !r->jwks)
		return 0;
	if (!json_array_size(r->algorithms))
		return 1;
	json_array_foreach(r->algorithms, i, v) if (strcmp(jstr(v), alg) == 0) return 1;
	return 0;
}

/* Check token under rules; 0 with *claims (new), or -EACCES with err. */
int
jwt_verify(const char *token, const JwtRules *r, json_t **claims, char *err, size_t n)
{
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	Buf hb = { 0 }, pb = { 0 }, sig = { 0 };
	json_t *hdr = NULL, *body = NULL;
	const char *alg, *kid;
	int rc = -EACCES, ok;

	*claims = NULL;
	if (!d2 || strchr(d2 + 1, '.') || b64(token, (size_t)(d1 - token), &hb) ||
	    b64(d1 + 1, (size_t)(d2 - d1 - 1), &pb) || b64(d2 + 1, strlen(d2 + 1), &sig) ||
	    !(hdr = json_loadb(hb.p ? hb.p : "", hb.n, 0, NULL)) ||
	    !(body = json_loadb(pb.p ? pb.p : "", pb.n, 0, NULL)) || !json_is_object(body)) {
		snprintf(err, n, "The bearer token is not a JWT (header.payload.signature, base64url JSON).");
		goto out;
	}
	alg = jstr(json_object_get(hdr, "alg"));
	kid = json_string_value(json_object_get(hdr, "kid"));
	if (!alg_allowed(r, alg)) {
		snprintf(err, n, "The bearer token's algorithm '%s' is not accepted here.", alg);
		goto out;
	}
	ok = strcmp(alg, "HS256") == 0 ? verify_hs(r->secret, token, (size_t)(d2 - token), &sig)
	                               : verify_jwks(r->jwks, alg, kid, token, (size_t)(d2 - token), &sig);
	if (!ok)
		snprintf(err, n, "The bearer token's signature is not valid.");
	else if ((rc = claims_ok(body, r, err, n)) == 0)
		*claims = json_incref(body);
out:
	json_decref(hdr);
	json_decref(body);
	buf_free(&hb);
	buf_free(&pb);
	buf_free(&sig);
	return rc;
}

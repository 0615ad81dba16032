/* web_reply.c — a web action's result as the HTTP answer, by the URL's extension.
 *
 * As OpenWhisk's WebActions.scala (resultAsHttp and friends). A successful
 * activation's result is rendered; an application error's "error" field is
 * rendered the same way (404 when there is none); any other failure is 400
 * "There was an error processing your request."; a run still going after
 * the wait is 202 "Response not yet ready.".
 *
 *   .http  {statusCode, headers, body}: statusCode a number or numeric
 *          string (default 200, 204 without a body); header values strings,
 *          numbers, booleans or arrays of them (one line each); a string
 *          body is the answer in the Content-Type of the headers (default
 *          text/html), base64-decoded when that type is binary (or JSON and
 *          the string is base64, for old actions); any other body is JSON
 *          (application/json or a +json type).
 *   .json  the result, an object or array.
 *   .html  its "body" or "html" string, as text/html.
 *   .svg   its "body" or "svg" string, as image/svg+xml.
 *   .text  its "body" or "text", as text/plain (JSON pretty-printed).
 *
 * Anything else is 400 "Response is not valid 'TYPE'." or one of
 * OpenWhisk's other messages; the answer always carries
 * x-openwhisk-activation-id.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

typedef struct WebOut {
	int status;
	char ctype[256]; /* "" for no body */
	Buf hdrs;        /* the action's header lines */
	Buf body;
	const char *err; /* err_status (400 unless set) with this text instead */
	int err_status;
} WebOut;

/* The JSON text of v as js_text writes it (numbers as written), or
 * pretty as OpenWhisk's (spray's prettyPrint): an object's members a line
 * each, indented two spaces a level, arrays on one line ("[1, 2]"). */
static int
put_json(Buf *out, const json_t *v, int pretty)
{
	size_t len = 0;
	char *t = js_text(v, &len), kind[256];
	int depth = 0, ind = 0, in_str = 0; /* ind: objects around (arrays do not indent) */

	if (!t)
		return -EINVAL; /* not writable as JSON */
	for (size_t i = 0; i < len && pretty; i++) {
		char c = t[i];
		if (in_str) {
			buf_add(out, &c, 1);
			if (c == '\\' && i + 1 < len)
				buf_add(out, &t[++i], 1);
			else if (c == '"')
				in_str = 0;
		} else if ((c == '{' || c == '[') && i + 1 < len && (t[i + 1] == '}' || t[i + 1] == ']')) {
			buf_add(out, &t[i], 2); /* {} and [] stay as they are */
			i++;
		} else if (c == '[' || (c == ',' && depth && kind[(depth - 1) % 256] == '[')) {
			if (c == '[')
				kind[depth++ % 256] = '[';
			buf_str(out, c == '[' ? "[" : ", ");
		} else if (c == ']') {
			depth--;
			buf_add(out, "]", 1);
		} else if (c == '{' || c == ',') {
			if (c == '{')
				kind[depth++ % 256] = '{', ind++;
			buf_printf(out, "%c\n%*s", c, 2 * ind, "");
		} else if (c == '}') {
			depth--, ind--;
			buf_printf(out, "\n%*s}", 2 * ind, "");
		} else {
			in_str = c == '"';
			buf_add(out, &c, 1);
			if (c == ':')
				buf_add(out, " ", 1);
		}
	}
	if (!pretty)
		buf_add(out, t, len);
	free(t);
	return 0;
}

static int
fail(WebOut *o, const char *msg)
{
	o->err = msg;
	return -EINVAL;
}

static int
token_char(int c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static int
header_name_ok(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if (!token_char((unsigned char)*k))
			return 0;
	return 1;
}

/* The text of a header value: a string, number or boolean; NULL otherwise. */
static char *
header_value(const json_t *v)
{
	if (json_is_string(v))
		return strpbrk(json_string_value(v), "\r\n") ? NULL : estrdup(json_string_value(v));
	if (json_is_number(v) || json_is_boolean(v))
		return js_text(v, NULL);
	return NULL;
}

/* One header of the result (an array: a line per value), or Content-Type into o->ctype. */
static int
header_add(WebOut *o, const char *k, const json_t *v)
{
	static const char *const dropped[] = { "content-length", "transfer-encoding", "connection", NULL };
	char *text;
	size_t i;
	json_t *x;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x) if (json_is_array(x) || header_add(o, k, x)) return -EINVAL;
		return 0;
	}
	if (!header_name_ok(k) || !(text = header_value(v)))
		return -EINVAL;
	for (i = 0; dropped[i] && strcasecmp(k, dropped[i]); i++)
		;
	if (strcasecmp(k, "Content-Type") == 0)
		snprintf(o->ctype, sizeof o->ctype, "%s", text);
	else if (!dropped[i])
		buf_printf(&o->hdrs, "%s: %s\r\n", k, text);
	free(text);
	return 0;
}

/* statusCode: a whole number or a string of one, 100-599; -1 when absent. */
static int
status_of(const json_t *v, int *code)
{
	int64_t n;

	*code = -1;
	if (!v)
		return 0;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) == (double)(int64_t)json_real_value(v))
		n = (int64_t)json_real_value(v);
	else if (!json_is_string(v) || num_int(json_string_value(v), 0, INT64_MAX, &n))
		return -EINVAL;
	if (n < 100 || n > 599)
		return -EINVAL;
	*code = (int)n;
	return 0;
}

/* A media type is "type/subtype" of token characters, parameters after ';'. */
static int
ctype_ok(const char *ct)
{
	const char *p = ct;
	int slash = 0;

	for (; *p && *p != ';' && *p != ' '; p++)
		if (*p == '/' && !slash && p > ct)
			slash = 1;
		else if (!token_char((unsigned char)*p))
			return 0;
	return slash && p[-1] != '/' && !strpbrk(ct, "\r\n");
}

/* A string body in o->ctype (text/html by default). */
static int
http_string(WebOut *o, const char *str)
{
	char mt[128];

	if (!o->ctype[0])
		strecpy(o->ctype, o->ctype + sizeof o->ctype, "text/html");
	if (!ctype_ok(o->ctype))
		return fail(o, "Response did not specify a known content-type.");
	media_type(o->ctype, mt, sizeof mt);
	if (media_is_binary(mt) || (media_is_json(mt) && code_is_binary(str))) {
		if (base64_decode(str, strlen(str), &o->body))
			return fail(o, "Response type in header did not match generated content type.");
	} else {
		buf_str(&o->body, str);
	}
	if (!media_is_binary(mt) && !strcasestr(o->ctype, "charset="))
		strncat(o->ctype, "; charset=UTF-8", sizeof o->ctype - strlen(o->ctype) - 1);
	return 0;
}

/* Any other body, as JSON: application/json, or pretty in a +json type. */
static int
http_json(WebOut *o, const json_t *body)
{
	char mt[128];

	media_type(o->ctype[0] ? o->ctype : "application/json", mt, sizeof mt);
	if (!media_is_json(mt))
		return fail(o, "Response type in header did not match generated content type.");
	put_json(&o->body, body, strcmp(mt, "application/json") != 0);
	snprintf(o->ctype, sizeof o->ctype, "%s", mt);
	return 0;
}

static int
as_http(const json_t *res, WebOut *o)
{
	const json_t *hs = json_object_get(res, "headers"), *body = json_object_get(res, "body"), *v;
	const char *k;
	int code;

	if (!json_is_object(res) || (hs && !json_is_object(hs)) || status_of(json_object_get(res, "statusCode"), &code))
		return fail(o, "Response is not valid 'message/http'.");
	json_object_foreach((json_t *)hs, k,
	                    v) if (header_add(o, k, v)) return fail(o, "Response is not valid 'message/http'.");
	if (json_is_string(body) && json_string_length(body)) {
		o->status = code > 0 ? code : 200;
		return http_string(o, json_string_value(body));
	}
	if (body && !json_is_null(body) && !json_is_string(body)) {
		o->status = code > 0 ? code : 200;
		return http_json(o, body);
	}
	o->status = code > 0 ? code : 204;
	o->ctype[0] = 0;
	return 0;
}

/* The field a type's extension shows: body, else its own (html, svg, text). */
static const json_t *
field(const json_t *res, const char *own)
{
	const json_t *v;

	if (!json_is_object(res))
		return res;
	return (v = json_object_get(res, "body")) ? v : json_object_get(res, own);
}

static int
as_text(const json_t *res, WebOut *o)
{
	const json_t *v = field(res, "text");

	if (!v)
		return o->err_status = 404, fail(o, "Response does not include requested property.");
	if (json_is_string(v))
		buf_str(&o->body, json_string_value(v));
	else
		put_json(&o->body, v, 1);
	strecpy(o->ctype, o->ctype + sizeof o->ctype, "text/plain; charset=UTF-8");
	return 0;
}

/* .json, .html, .svg, .text, .http: the answer for res, into o. */
static int
render(const char *ext, const json_t *res, WebOut *o)
{
	static const struct {
		const char *ext, *field, *ctype, *invalid;
	} str[] = {
		{ "html", "html", "text/html; charset=UTF-8", "Response is not valid 'text/html'." },
		{ "svg", "svg", "image/svg+xml", "Response is not valid 'image/svg+xml'." },
	};
	o->status = 200;
	if (strcmp(ext, "http") == 0)
		return as_http(res, o);
	if (strcmp(ext, "text") == 0)
		return as_text(res, o);
	if (strcmp(ext, "json") == 0) {
		if (!json_is_object(res) && !json_is_array(res))
			return fail(o, "Response is not valid 'application/json'.");
		put_json(&o->body, res, 0);
		strecpy(o->ctype, o->ctype + sizeof o->ctype, "application/json");
		return 0;
	}
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		if (strcmp(ext, str[i].ext) == 0) {
			const json_t *v = field(res, str[i].field);
			if (!json_is_string(v))
				return fail(o, str[i].invalid);
			buf_str(&o->body, json_string_value(v));
			strecpy(o->ctype, o->ctype + sizeof o->ctype, str[i].ctype);
		}
	return 0;
}

void
web_reply(HttpReq *req, const ActDone *d, const char *ext, int cors)
{
	WebOut o = { 0 };
	const json_t *res = d->result;
	Buf h = { 0 };

	if (d->err) {
		web_error(req, cors, d->running ? d->id : NULL, d->http_status, d->msg);
		return;
	}
	if (d->running) {
		web_error(req, cors, d->id, 202, "Response not yet ready.");
		return;
	}
	if (d->status == RUN_APP_ERROR && !(res = json_object_get(d->result, "error"))) {
		web_error(req, cors, d->id, 404, "Response does not include requested property.");
		return;
	}
	if (d->status != RUN_SUCCESS && d->status != RUN_APP_ERROR) {
		web_error(req, cors, d->id, 400, "There was an error processing your request.");
		return;
	}
	if (render(ext, res, &o)) {
		web_error(req, cors, d->id, o.err_status ? o.err_status : 400, o.err);
	} else {
		if (cors && !(o.hdrs.p && strcasestr(o.hdrs.p, "Access-Control-Allow-Origin:")))
			web_cors(req, &h, NULL);
		buf_printf(&h, "x-openwhisk-activation-id: %s\r\n", d->id);
		buf_add(&h, o.hdrs.p ? o.hdrs.p : "", o.hdrs.n);
		http_respond(req, o.status, o.ctype[0] ? o.ctype : NULL, h.p, o.body.p ? o.body.p : "", o.body.n);
	}
	buf_free(&o.hdrs);
	buf_free(&o.body);
	buf_free(&h);
}

/* composer_fn.c — the functions Composer's own combinators lower to, run by the backend.
 *
 * composer.js lowers if, while, dowhile, repeat, retry, literal (value),
 * retain and retain_catch to let, mask, finally and a few small functions
 * of its own, whose text is always the same ("args => { params = args }",
 * "() => params", "() => count-- > 0", ...). conductor.js runs a function
 * (its run) with the let variables visible on the stack (a mask hides the
 * let below it) as variables of its scope, writes them back to the topmost
 * frame that declares each, and takes the JSON of its result as the new
 * parameters (its parameters when it returns nothing). A function we know
 * by its exact text is run here with that same effect, so a composition of
 * actions that uses those combinators is stepped without the real
 * conductor. Any other function, or one whose variables are not what it
 * needs (undeclared, not a number to count down, names that would not make
 * JavaScript variables), or whose JavaScript would throw, is left to the
 * real conductor: nothing is changed then.
 */
#include <errno.h>
#include <string.h>

#include "fns.h"

enum { F_SAVE, F_PARAMS, F_VALUE, F_COUNT, F_WRAP, F_UNWRAP, F_BOX, F_RETAIN, F_RETAIN_CATCH, F_RETRY, F_RESULT };

static const struct {
	const char *code;
	int fn;
} known[] = {
	{ "args => { params = args }", F_SAVE },
	{ "() => params", F_PARAMS },
	{ "() => value", F_VALUE },
	{ "() => count-- > 0", F_COUNT },
	{ "params => ({ params })", F_WRAP },
	{ "({ params }) => params", F_UNWRAP },
	{ "result => ({ result })", F_BOX },
	{ "result => ({ params, result })", F_RETAIN },
	{ "({ params, result }) => ({ params, result: result.result })", F_RETAIN_CATCH },
	{ "({ result }) => result.error !== undefined && count-- > 0", F_RETRY },
	{ "({ result }) => result", F_RESULT },
};

/* Names run() could not declare as plain variables, or that would change
 * what the functions above mean. */
static const char *const reserved[] = {
	"Infinity", "NaN",        "Object",    "arguments", "await",  "break",    "case",    "catch",      "class",
	"const",    "continue",   "debugger",  "default",   "delete", "do",       "else",    "enum",       "eval",
	"export",   "extends",    "false",     "finally",   "for",    "function", "if",      "implements", "import",
	"in",       "instanceof", "interface", "let",       "new",    "null",     "package", "private",    "protected",
	"public",   "require",    "return",    "static",    "super",  "switch",   "this",    "throw",      "true",
	"try",      "typeof",     "undefined", "var",       "void",   "while",    "with",    "yield",
};

static int
plain_name(const char *s)
{
	size_t i;

	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (i = 0; s[i]; i++)
		if (!(s[i] == '_' || s[i] == '$' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (!strcmp(s, reserved[i]))
			return 0;
	return 1;
}

/* The let frames visible to a function, topmost first, as run() sees
 * them: each mask hides the nearest let below it. Calls f on each until
 * it returns nonzero, and returns that. */
static int
view_each(const json_t *stack, int (*f)(json_t *let, void *arg), void *arg)
{
	json_t *frame, *let;
	size_t i;
	int masks = 0, rc;

	json_array_foreach(stack, i, frame)
	{
		if (!(let = json_object_get(frame, "let")))
			continue;
		if (json_is_null(let))
			masks++;
		else if (masks > 0)
			masks--;
		else if ((rc = f(let, arg)))
			return rc;
	}
	return 0;
}

static int
names_bad(json_t *let, void *arg)
{
	const char *k;
	json_t *v;

	(void)arg;
	json_object_foreach(let, k, v) if (!plain_name(k)) return 1;
	return 0;
}

typedef struct Lookup {
	const char *name;
	json_t *let; /* the frame's let object that declares it */
} Lookup;

static int
declares(json_t *let, void *arg)
{
	Lookup *l = arg;

	if (!json_object_get(let, l->name))
		return 0;
	l->let = let;
	return 1;
}

/* The let object where name lives for a function, or NULL. */
static json_t *
var_frame(const json_t *stack, const char *name)
{
	Lookup l = { name, NULL };

	view_each(stack, declares, &l);
	return l.let;
}

/* count-- > 0 on the variable in let: -1 when it is not a number. */
static int
count_down(json_t *let, int *was_positive)
{
	json_t *c = json_object_get(let, "count");

	if (json_is_integer(c)) {
		*was_positive = json_integer_value(c) > 0;
		json_object_set_new(let, "count", json_integer(json_integer_value(c) - 1));
	} else if (json_is_real(c)) {
		*was_positive = json_real_value(c) > 0;
		json_object_set_new(let, "count", json_real(json_real_value(c) - 1));
	} else
		return -1;
	return 0;
}

/* An object of the defined ones of two keys (JSON.stringify drops undefined). */
static json_t *
pair(const char *k1, json_t *v1, const char *k2, json_t *v2)
{
	json_t *o = json_object();

	if (v1)
		json_object_set_new(o, k1, json_deep_copy(v1));
	if (v2)
		json_object_set_new(o, k2, json_deep_copy(v2));
	return o;
}

/* What the function returns for params p, NULL for undefined; *rc -ENOTSUP
 * when it is the real conductor's (nothing changed). */
static json_t *
fn_run(int fn, const json_t *stack, json_t *p, int *rc)
{
	json_t *let = NULL, *result = json_object_get(p, "result");
	const char *var = fn == F_VALUE ? "value" : fn == F_COUNT || fn == F_RETRY ? "count" : "params";
	int positive;

	if (fn == F_SAVE || fn == F_PARAMS || fn == F_VALUE || fn == F_COUNT || fn == F_RETAIN || fn == F_RETRY)
		let = var_frame(stack, var);
	if ((fn == F_RETAIN_CATCH || fn == F_RETRY) && (!result || json_is_null(result)))
		return *rc = -ENOTSUP, NULL; /* a TypeError in JavaScript */
	if (fn == F_RETRY && !(json_is_object(result) && json_object_get(result, "error")))
		return json_false(); /* false && ...: count is not touched */
	if (!let && fn != F_WRAP && fn != F_UNWRAP && fn != F_BOX && fn != F_RETAIN_CATCH && fn != F_RESULT)
		return *rc = -ENOTSUP, NULL; /* undeclared */
	switch (fn) {
	case F_SAVE: json_object_set_new(let, "params", json_deep_copy(p)); return NULL;
	case F_PARAMS:
	case F_VALUE: return json_deep_copy(json_object_get(let, var));
	case F_COUNT:
	case F_RETRY:
		if (count_down(let, &positive))
			return *rc = -ENOTSUP, NULL;
		return json_boolean(positive);
	case F_WRAP: return pair("params", p, NULL, NULL);
	case F_UNWRAP: return json_deep_copy(json_object_get(p, "params"));
	case F_BOX: return pair("result", p, NULL, NULL);
	case F_RETAIN: return pair("params", json_object_get(let, "params"), "result", p);
	case F_RETAIN_CATCH:
		return pair("params", json_object_get(p, "params"), "result",
		            json_is_object(result) ? json_object_get(result, "result") : NULL);
	default: return json_deep_copy(result);
	}
}

/* Run the function state fn ({exec: {code}}) on *params (owned, an object)
 * with the let variables on stack: 0, *params its result (not yet
 * inspected); or -ENOTSUP, nothing changed, for the real conductor. */
int
composer_fn(const json_t *fn, json_t *stack, json_t **params)
{
	const char *code = jstr(json_object_get(json_object_get(fn, "exec"), "code"));
	json_t *r;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof known / sizeof known[0] && strcmp(code, known[i].code); i++)
		;
	if (i == sizeof known / sizeof known[0] || view_each(stack, names_bad, NULL))
		return -ENOTSUP;
	r = fn_run(known[i].fn, stack, *params, &rc);
	if (rc)
		return rc;
	if (r) {
		json_decref(*params);
		*params = json_is_object(r) ? r : json_pack("{s:o}", "value", r); /* as inspect boxes it */
	}
	composer_numbers(*params);
	return 0;
}

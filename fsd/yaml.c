/* yaml.c — YAML to JSON values and back, with libyaml, for manifest.yaml. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "dat.h"
#include "fns.h"

/* ---- reading ---- */

/* A plain scalar as YAML's core schema reads it: null, bool, number or string. */
static json_t *
plain(const char *s, size_t n)
{
	json_t *v;
	char *end;
	double d;
	long long i;

	if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)
		return json_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0)
		return json_true();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0)
		return json_false();
	i = strtoll(s, &end, 10);
	if (*end == '\0')
		return json_integer(i);
	d = strtod(s, &end);
	if (*end == '\0' && (v = json_real(d)) != NULL)
		return v;
	return json_stringn(s, n);
}

static json_t *
node_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	json_t *v;

	if (node == NULL || depth > 64)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return plain((char *)node->data.scalar.value, node->data.scalar.length);
		return json_stringn((char *)node->data.scalar.value, node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		v = json_array();
		for (item = node->data.sequence.items.start; item < node->data.sequence.items.top; item++)
			json_array_append_new(v, node_json(doc, yaml_document_get_node(doc, *item), depth + 1));
		return v;
	case YAML_MAPPING_NODE:
		v = json_object();
		for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
			yaml_node_t *k = yaml_document_get_node(doc, pair->key);
			json_t *val;
			if (k == NULL || k->type != YAML_SCALAR_NODE)
				continue;
			val = node_json(doc, yaml_document_get_node(doc, pair->value), depth + 1);
			json_object_set_new(v, (char *)k->data.scalar.value, val ? val : json_null());
		}
		return v;
	default:
		return NULL;
	}
}

/*
 * Parse one YAML document into a JSON value (new reference). NULL with the
 * reason and where in err when it is not YAML.
 */
json_t *
yaml_to_json(const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_document_t doc;
	json_t *v = NULL;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		snprintf(err, errlen, "YAML: %s at line %lu, column %lu", p.problem ? p.problem : "error",
		         (unsigned long)p.problem_mark.line + 1, (unsigned long)p.problem_mark.column + 1);
		yaml_parser_delete(&p);
		return NULL;
	}
	v = node_json(&doc, yaml_document_get_root_node(&doc), 0);
	if (v == NULL)
		v = json_null();
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return v;
}

/* ---- writing ---- */

static int
write_buf(void *arg, unsigned char *p, size_t n)
{
	return buf_add(arg, p, n) == 0;
}

static int
emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -EIO;
}

static int
scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, strlen(s), 1, 1, style);
	return emit(e, &ev);
}

static int json_yaml(yaml_emitter_t *e, json_t *v);

static int
map_yaml(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	const char *k;
	json_t *x;
	int rc = 0;

	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	if (emit(e, &ev) < 0)
		return -EIO;
	json_object_foreach(v, k, x)
		if (rc == 0 && (rc = scalar(e, k, YAML_ANY_SCALAR_STYLE)) == 0)
			rc = json_yaml(e, x);
	yaml_mapping_end_event_initialize(&ev);
	return rc < 0 ? rc : emit(e, &ev);
}

static int
seq_yaml(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	json_t *x;
	size_t i;
	int rc = 0;

	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	if (emit(e, &ev) < 0)
		return -EIO;
	json_array_foreach(v, i, x)
		if (rc == 0)
			rc = json_yaml(e, x);
	yaml_sequence_end_event_initialize(&ev);
	return rc < 0 ? rc : emit(e, &ev);
}

/* A JSON value as YAML events; strings that would read as something else are quoted. */
static int
json_yaml(yaml_emitter_t *e, json_t *v)
{
	char *s;
	int rc;

	if (json_is_object(v))
		return map_yaml(e, v);
	if (json_is_array(v))
		return seq_yaml(e, v);
	if (json_is_string(v)) {
		const char *str = json_string_value(v);
		json_t *back = plain(str, strlen(str));
		int literal = strchr(str, '\n') != NULL;
		rc = scalar(e, str, literal ? YAML_LITERAL_SCALAR_STYLE :
		            json_is_string(back) ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		json_decref(back);
		return rc;
	}
	if ((s = json_text(v, NULL)) == NULL)
		return -ENOMEM;
	rc = scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
	free(s);
	return rc;
}

/* A JSON object as one YAML document, appended to b. */
int
json_to_yaml(json_t *v, Buf *b)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int rc = -EIO;

	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_buf, b);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 100);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (emit(&e, &ev) == 0) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		if (emit(&e, &ev) == 0 && json_yaml(&e, v) == 0) {
			yaml_document_end_event_initialize(&ev, 1);
			if (emit(&e, &ev) == 0) {
				yaml_stream_end_event_initialize(&ev);
				rc = emit(&e, &ev);
			}
		}
	}
	yaml_emitter_delete(&e);
	return rc;
}

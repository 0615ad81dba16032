/* yamljson.c — YAML to JSON values, with libyaml: wskdeploy manifests (fsd), kubeconfig files (backend). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "yamljson.h"

/* Is s one of words, as itself, capitalized or in capitals? */
static int
word_of(const char *s, const char *const *words)
{
	char low[8];
	size_t i, n = strlen(s);

	if (n == 0 || n >= sizeof low)
		return 0;
	for (i = 0; i <= n; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	for (; *words; words++)
		if (strcmp(low, *words) == 0 && (strcmp(s, low) == 0 || strcmp(s + 1, low + 1) == 0 ||
		                                 strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n))
			return 1;
	return 0;
}

/* A plain scalar as YAML's core schema reads it: null, bool, number or
 * string; yes, no, on and off are booleans too, as YAML 1.1 (and so Go's
 * yaml, wskdeploy's) reads them. */
json_t *
yaml_plain(const char *s, size_t n)
{
	static const char *const yes[] = { "true", "yes", "on", NULL }, *const no[] = { "false", "no", "off", NULL };
	json_t *v;
	char *end;
	double d;
	long long i;

	if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)
		return json_null();
	if (word_of(s, yes))
		return json_true();
	if (word_of(s, no))
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
			return yaml_plain((char *)node->data.scalar.value, node->data.scalar.length);
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
	default: return NULL;
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

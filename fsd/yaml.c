/* yaml.c — JSON values to YAML, with libyaml, for manifest.yaml (reading is lib/yamljson.c). */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "dat.h"
#include "fns.h"

/* ---- writing ---- */

static int
write_buf(void *arg, unsigned char *p, size_t n)
{
	buf_add(arg, p, n);
	return 1;
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
	json_object_foreach(v, k, x) if (rc == 0 && (rc = scalar(e, k, YAML_ANY_SCALAR_STYLE)) == 0) rc =
	        json_yaml(e, x);
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
	json_array_foreach(v, i, x) if (rc == 0) rc = json_yaml(e, x);
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
		json_t *back = yaml_plain(str, strlen(str));
		int literal = strchr(str, '\n') != NULL;
		rc = scalar(e, str,
		            literal                ? YAML_LITERAL_SCALAR_STYLE
		            : json_is_string(back) ? YAML_ANY_SCALAR_STYLE
		                                   : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		json_decref(back);
		return rc;
	}
	if ((s = js_text(v, NULL)) == NULL)
		return -EINVAL;
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
		oom(0);
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

/* yamljson.h — YAML to JSON values, with libyaml. */
#ifndef FAAS_YAMLJSON_H
#define FAAS_YAMLJSON_H

#include <stddef.h>
#include <jansson.h>

/* Parse one YAML document into a JSON value (new reference); plain scalars
 * as YAML's core schema reads them. NULL with the reason and where in err
 * when it is not YAML. */
json_t *yaml_to_json(const char *text, size_t len, char *err, size_t errlen);

/* A plain scalar as YAML's core schema reads it: null, bool, number or
 * string (new reference). */
json_t *yaml_plain(const char *s, size_t n);

#endif

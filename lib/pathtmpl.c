/* pathtmpl.c — the parameters of an API path template: whole segments "{name}", as OpenWhisk's CLI reads them. */
#include <string.h>

#include "pathtmpl.h"

json_t *
path_template_params(const char *path)
{
	json_t *names = json_array();
	const char *p = path;

	while (*p) {
		size_t len;
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len > 2 && p[0] == '{' && p[len - 1] == '}')
			json_array_append_new(names, json_stringn(p + 1, len - 2));
		p += len;
	}
	return names;
}

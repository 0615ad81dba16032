/* pathtmpl.h — the parameters of an API path template ("/books/{isbn}"), shared by the backend and the file system. */
#ifndef FAAS_PATHTMPL_H
#define FAAS_PATHTMPL_H

#include <jansson.h>

/* The names of the path's "{name}" segments, in order, as a new array of strings. */
json_t *path_template_params(const char *path);

#endif

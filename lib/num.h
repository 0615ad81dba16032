/* num.h — a whole number from text a person wrote (an option, an environment variable, a query), checked. */
#ifndef FAAS_NUM_H
#define FAAS_NUM_H

#include <stdint.h>

int num_int(const char *s, int64_t min, int64_t max, int64_t *out);

#endif

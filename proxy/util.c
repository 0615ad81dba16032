/* util.c — small helpers: clocks, environment lists, folders. */
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A "NAME=value" string, or NULL when out of memory. */
char *
env_pair(const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	char *s = emalloc(n + v + 2);

	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, v + 1);
	return s;
}

int
env_count(char **env)
{
	int n = 0;

	while (env && env[n])
		n++;
	return n;
}

/* Set NAME in a malloc'd NULL-terminated list, replacing an earlier value. */
void
env_set(char ***envp, const char *name, const char *value)
{
	char **env = *envp, *pair = env_pair(name, value);
	size_t len = strlen(name);
	int i, n = env_count(env);

	for (i = 0; i < n; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=') {
			free(env[i]);
			env[i] = pair;
			return;
		}
	env = erealloc(env, (n + 2) * sizeof *env);
	env[n] = pair;
	env[n + 1] = NULL;
	*envp = env;
}

/* A copy of a list; the strings are copied too. */
char **
env_copy(char **env)
{
	int i, n = env_count(env);
	char **c = ecalloc(n + 1, sizeof *c);

	for (i = 0; i < n; i++)
		c[i] = estrdup(env[i]);
	return c;
}

void
env_free(char **env)
{
	int i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Every string field of the run object but "value" as __OW_<FIELD>. */
void
env_add_run(char ***envp, json_t *run)
{
	char name[128];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(run, key, v)
	{
		if (!json_is_string(v) || strcmp(key, "value") == 0 || strlen(key) > sizeof name - 6)
			continue;
		snprintf(name, sizeof name, "__OW_%s", key);
		for (i = 5; name[i]; i++)
			if (name[i] >= 'a' && name[i] <= 'z')
				name[i] -= 'a' - 'A';
		env_set(envp, name, json_string_value(v));
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Remove a folder and everything under it. */
int
rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

static void
wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	poll(&p, 1, -1);
}

/* Write all of a buffer to a file descriptor that may be non-blocking. */
int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_writable(fd);
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

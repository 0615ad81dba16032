/* node.c — the inode table: stable numbers for paths, lookup counts.
 *
 * An inode number is a hash of the node's path, so the same name always has
 * the same number (readdir, lookup and a later lookup agree, and nothing
 * needs to be remembered for names the kernel never looked up). The table
 * holds the nodes the kernel knows, counted by lookups, and lets a node go
 * when the kernel forgets it. The root is FUSE_ROOT_ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static Map bypath, byino;
static Node root = { .q = Qroot, .path = "", .nlookup = 1 };

static uint64_t
pathino(const char *path)
{
	/* some tools print inode numbers signed */
	uint64_t h = str_hash(path) & 0x7fffffffffffffffULL;

	return h <= FUSE_ROOT_ID ? h + 2 : h;
}

static void
inokey(uint64_t ino, char *key)
{
	snprintf(key, 20, "%llx", (unsigned long long)ino);
}

fuse_ino_t
node_ino(Node *n)
{
	return n == &root ? FUSE_ROOT_ID : n->ino;
}

/* The inode number a child path would have: for readdir. */
fuse_ino_t
path_ino(const char *path)
{
	return path[0] ? pathino(path) : FUSE_ROOT_ID;
}

Node *
node_of(fuse_ino_t ino)
{
	char key[20];

	if (ino == FUSE_ROOT_ID)
		return &root;
	inokey(ino, key);
	return map_get(&byino, key);
}

Node *
node_bypath(const char *path)
{
	return path[0] ? map_get(&bypath, path) : &root;
}

/* The path of name in dir, caller frees. */
char *
path_join(const char *dir, const char *name)
{
	if (dir[0] == '\0')
		return estrdup(name);
	return easprintf("%s/%s", dir, name);
}

/*
 * The node for name in parent, as kid describes it, with one more lookup
 * counted. A node already there is brought up to date with kid.
 */
Node *
node_make(Node *parent, const char *name, const Kid *kid)
{
	char *path = path_join(parent->path, name), key[20];
	Node *n;

	if ((n = map_get(&bypath, path)) != NULL) {
		free(path);
	} else {
		n = ecalloc(1, sizeof *n);
		n->path = path;
		n->ino = pathino(path);
		inokey(n->ino, key);
		map_put(&bypath, path, n);
		map_put(&byino, key, n);
	}
	n->q = kid->q;
	n->ekind = kid->ekind;
	if (n->ename == NULL || strcmp(n->ename, kid->ename) != 0) {
		free(n->ename);
		n->ename = estrdup(kid->ename);
	}
	if (n->scratch != kid->scratch) {
		scratch_put(n->scratch);
		n->scratch = kid->scratch;
		if (n->scratch)
			n->scratch->refs++;
	}
	n->nlookup++;
	return n;
}

/* The kernel forgot nlookup lookups of n. */
void
node_forget(Node *n, uint64_t nlookup)
{
	char key[20];

	if (n == &root)
		return;
	n->nlookup = nlookup >= n->nlookup ? 0 : n->nlookup - nlookup;
	if (n->nlookup > 0)
		return;
	inokey(n->ino, key);
	map_del(&byino, key);
	map_del(&bypath, n->path);
	scratch_put(n->scratch);
	free(n->ename);
	free(n->path);
	free(n);
}

typedef struct Moving {
	const char *from, *to, *oldename, *newename;
	size_t flen;
	Node **nodes;
	size_t n;
} Moving;

static void
moving1(const char *key, void *val, void *arg)
{
	Moving *m = arg;
	Node **grown;

	if (strncmp(key, m->from, m->flen) != 0 || (key[m->flen] != '\0' && key[m->flen] != '/'))
		return;
	grown = erealloc(m->nodes, (m->n + 1) * sizeof *grown);
	m->nodes = grown;
	m->nodes[m->n++] = val;
}

/*
 * An entity was renamed by a rename(2) the kernel will now apply to its
 * dentry: the nodes at path from and below it are at path to, with their
 * inode numbers (the kernel keeps them), and those of entity oldename are
 * now newename's. A node already at a new path is left to be forgotten.
 */
void
node_rename(const char *from, const char *to, const char *oldename, const char *newename)
{
	Moving m = { from, to, oldename, newename, strlen(from), NULL, 0 };
	char *path;
	size_t i;

	map_each(&bypath, moving1, &m);
	for (i = 0; i < m.n; i++) {
		Node *n = m.nodes[i];
		path = easprintf("%s%s", to, n->path + m.flen);
		if (map_get(&bypath, path) != NULL) {
			free(path);
			continue;
		}
		map_del(&bypath, n->path);
		free(n->path);
		n->path = path;
		map_put(&bypath, n->path, n);
		if (n->ename && strcmp(n->ename, oldename) == 0) {
			free(n->ename);
			n->ename = estrdup(newename);
		}
	}
	free(m.nodes);
}

/* A rename onto path replaces what was there: its node, if the kernel
 * still holds it, keeps its number at a path no name has, so that it
 * names nothing, and the node moved there takes the path. */
void
node_unpath(const char *path)
{
	Node *n = map_get(&bypath, path);
	char *dead;

	if (n == NULL || n == &root)
		return;
	dead = easprintf("\001gone/%llx", (unsigned long long)n->ino);
	map_del(&bypath, path);
	free(n->path);
	n->path = dead;
	map_put(&bypath, dead, n);
}

size_t
node_count(void)
{
	return bypath.count;
}

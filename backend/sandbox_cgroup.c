/* sandbox_cgroup.c — a container's memory, process and CPU limits: cgroups v1 or v2, RLIMIT_DATA without them.
 *
 * Each backend has a parent cgroup faasfs-PID under its own cgroup (so the
 * host's accounting of the backend still covers its functions), and each
 * container a child cN of it: memory.limit_in_bytes (and memsw where swap is
 * accounted) or memory.max, pids.max, and its CPU: a quota of the host's
 * --cpu-limit cores per period (cpu.cfs_quota_us over cpu.cfs_period_us,
 * or cpu.max), so that an endless loop cannot take a whole core from the
 * others, and a weight in proportion to its memory (cpu.shares,
 * cpu.weight), as OpenWhisk weighs containers. A backend that starts
 * removes the parents (and their children) of backends that died without
 * cleaning up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"

static int
write_file(const char *dir, const char *file, const char *text)
{
	char path[640];
	int fd, rc = 0;
	size_t n = strlen(text);

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		rc = -errno;
	close(fd);
	return rc;
}

/* Is ctl one of the comma-separated controllers in list ("cpu,cpuacct")? */
static int
has_controller(const char *list, const char *ctl)
{
	size_t n = strlen(ctl);
	const char *p;

	for (p = list; (p = strstr(p, ctl)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Our own cgroup for controller ctl ("memory", "pids"; "" for v2's line). */
static int
own_cgroup(const char *ctl, char *out, size_t len)
{
	char line[1024], *p, *q;
	FILE *f;
	int found = 0;

	if (!(f = fopen("/proc/self/cgroup", "re")))
		return -errno;
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!(p = strchr(line, ':')) || !(q = strchr(p + 1, ':')))
			continue;
		*q = '\0';
		if (*ctl ? has_controller(p + 1, ctl) : p[1] == '\0') {
			snprintf(out, len, "%s", strcmp(q + 1, "/") == 0 ? "" : q + 1);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* Make base = /sys/fs/cgroup/<ctl>/<our cgroup>/faasfs-<pid>. */
static int
cgroup_base(const char *ctl, int v2, char *out, size_t len)
{
	char own[512];
	int rc;

	if ((rc = own_cgroup(v2 ? "" : ctl, own, sizeof own)) < 0)
		return rc;
	if ((rc = sandbox_pathf(out, len, "/sys/fs/cgroup%s%s%s/faasfs-%d", v2 ? "" : "/", v2 ? "" : ctl, own,
	                        (int)getpid())) < 0)
		return rc;
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (v2 && write_file(out, "cgroup.subtree_control", "+memory +pids") < 0) {
		rmdir(out);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Remove what backends killed without a chance to clean up left: cgroups
 * faasfs-PID beside base whose PID is gone, with their containers'. */
static void
cgroup_sweep(const char *base)
{
	char parent[512], path[1024], sub[1200], *slash;
	struct dirent *e, *ce;
	DIR *d, *cd;
	int pid;

	snprintf(parent, sizeof parent, "%s", base);
	if (!(slash = strrchr(parent, '/')))
		return;
	*slash = '\0';
	if (!(d = opendir(parent)))
		return;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "faasfs-%d", &pid) != 1 || pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (sandbox_pathf(path, sizeof path, "%s/%s", parent, e->d_name) < 0)
			continue;
		if ((cd = opendir(path))) {
			while ((ce = readdir(cd)))
				if (ce->d_name[0] == 'c' && ce->d_type == DT_DIR &&
				    sandbox_pathf(sub, sizeof sub, "%s/%s", path, ce->d_name) == 0)
					rmdir(sub);
			closedir(cd);
		}
		rmdir(path);
	}
	closedir(d);
}

void
sandbox_cgroups_init(SandboxHost *h)
{
	struct statfs st;

	if (statfs("/sys/fs/cgroup", &st) < 0)
		return;
	h->v2 = st.f_type == 0x63677270; /* CGROUP2_SUPER_MAGIC */
	if (cgroup_base("memory", h->v2, h->mem_base, sizeof h->mem_base) < 0)
		h->mem_base[0] = '\0';
	if (h->v2)
		snprintf(h->pids_base, sizeof h->pids_base, "%s", h->mem_base);
	else if (cgroup_base("pids", 0, h->pids_base, sizeof h->pids_base) < 0)
		h->pids_base[0] = '\0';
	if (h->v2 && h->mem_base[0] && write_file(h->mem_base, "cgroup.subtree_control", "+cpu") == 0)
		snprintf(h->cpu_base, sizeof h->cpu_base, "%s", h->mem_base);
	else if (!h->v2 && cgroup_base("cpu", 0, h->cpu_base, sizeof h->cpu_base) < 0)
		h->cpu_base[0] = '\0';
	if (h->mem_base[0])
		cgroup_sweep(h->mem_base);
	if (h->pids_base[0] && !h->v2)
		cgroup_sweep(h->pids_base);
	if (h->cpu_base[0] && !h->v2)
		cgroup_sweep(h->cpu_base);
}

/* The CPU of a container: a quota of millis thousandths of a core per
 * period (0: none), written when it is made (the host's --cpu-limit) and
 * again when the scheduler puts it in a pool of other compute. */
int
sandbox_set_cpu(SandboxHost *h, Sandbox *sb, int millis)
{
	char text[64];
	long quota = millis > 0 ? (long)millis * CPU_PERIOD_US / 1000 : -1;
	int rc;

	if (!sb->cg_cpu[0])
		return millis > 0 && h->mode == SB_ROOT ? -EOPNOTSUPP
		                                        : 0; /* plain and user-namespace children have no cgroups */
	if (h->v2) {
		if (quota > 0)
			snprintf(text, sizeof text, "%ld %d", quota, CPU_PERIOD_US);
		else
			snprintf(text, sizeof text, "max %d", CPU_PERIOD_US);
		return write_file(sb->cg_cpu, "cpu.max", text);
	}
	snprintf(text, sizeof text, "%d", CPU_PERIOD_US);
	if ((rc = write_file(sb->cg_cpu, "cpu.cfs_period_us", text)) < 0)
		return rc;
	snprintf(text, sizeof text, "%ld", quota);
	return write_file(sb->cg_cpu, "cpu.cfs_quota_us", text);
}

/* cpu.shares (v1, 2..262144) or cpu.weight (v2, 1..10000): 1024 or 100 per 256 MB. */
static void
cgroup_cpu_weight(SandboxHost *h, Sandbox *sb, int memory_mb)
{
	char text[32];
	long w = h->v2 ? (long)memory_mb * 100 / 256 : (long)memory_mb * 1024 / 256;

	if (!sb->cg_cpu[0])
		return;
	w = w < 2 ? 2 : w > (h->v2 ? 10000 : 262144) ? (h->v2 ? 10000 : 262144) : w;
	snprintf(text, sizeof text, "%ld", w);
	write_file(sb->cg_cpu, h->v2 ? "cpu.weight" : "cpu.shares", text);
}

static int
cgroup_make(const char *base, const char *name, char *out, size_t len)
{
	if (!base[0]) {
		out[0] = '\0';
		return 0;
	}
	snprintf(out, len, "%s/%s", base, name);
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
sandbox_cgroups_make(SandboxHost *h, Sandbox *sb, int memory_mb)
{
	char name[32];
	int rc;

	snprintf(name, sizeof name, "c%d", sb->slot);
	if ((rc = cgroup_make(h->mem_base, name, sb->cg_mem, sizeof sb->cg_mem)) < 0)
		return rc;
	if ((rc = cgroup_make(h->pids_base, name, sb->cg_pids, sizeof sb->cg_pids)) < 0)
		return rc;
	if ((rc = cgroup_make(h->cpu_base, name, sb->cg_cpu, sizeof sb->cg_cpu)) < 0 ||
	    (rc = sandbox_set_cpu(h, sb, h->cpu_millis)) < 0)
		return rc;
	if (sb->cg_pids[0]) {
		snprintf(name, sizeof name, "%d", PIDS_MAX);
		if ((rc = write_file(sb->cg_pids, "pids.max", name)) < 0)
			return rc;
	}
	return sandbox_set_memory(h, sb, memory_mb);
}

int
sandbox_set_memory(SandboxHost *h, Sandbox *sb, int memory_mb)
{
	char bytes[32];
	int rc;

	sb->memory_mb = memory_mb;
	cgroup_cpu_weight(h, sb, memory_mb);
	sandbox_workfs_resize(sb, memory_mb);
	if (h->mode == SB_USERNS)
		return sb->pid > 0 && sandbox_data_limit(sb->pid, memory_mb) < 0 ? -errno : 0;
	if (!sb->cg_mem[0])
		return 0;
	snprintf(bytes, sizeof bytes, "%lld", (long long)memory_mb << 20);
	if (h->v2)
		return write_file(sb->cg_mem, "memory.max", bytes);
	/* memsw must stay >= the limit: try it on both sides of the change */
	write_file(sb->cg_mem, "memory.memsw.limit_in_bytes", bytes);
	rc = write_file(sb->cg_mem, "memory.limit_in_bytes", bytes);
	write_file(sb->cg_mem, "memory.memsw.limit_in_bytes", bytes);
	return rc;
}

int
sandbox_oom(Sandbox *sb)
{
	char path[640], buf[64];
	FILE *f;
	long n = 0;

	if (!sb->cg_mem[0])
		return 0;
	/* "oom_kill N": v1 keeps it in memory.oom_control, v2 in memory.events */
	snprintf(path, sizeof path, "%s/memory.oom_control", sb->cg_mem);
	if (!(f = fopen(path, "re"))) {
		snprintf(path, sizeof path, "%s/memory.events", sb->cg_mem);
		if (!(f = fopen(path, "re")))
			return 0;
	}
	while (fgets(buf, sizeof buf, f))
		if (sscanf(buf, "oom_kill %ld", &n) == 1)
			break;
	fclose(f);
	return n > 0;
}

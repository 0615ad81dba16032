/* sandbox_seccomp.c — the seccomp filter of every container, built once with libseccomp.
 *
 * In the spirit of the default profiles of container runtimes: everything
 * is allowed but what a function has no business doing, which fails with
 * EPERM: loading kernel modules, mounting, pivot_root, swap, reboot and
 * kexec, ptrace and reading or writing other processes' memory, keyrings,
 * bpf, perf events, userfaultfd, io_uring, handles to files by number
 * (open_by_handle_at), accounting, setting the clocks, the kernel log,
 * quotas, raw I/O ports, and new namespaces (unshare,
 * setns, clone with a CLONE_NEW* flag). clone3, whose flags a filter cannot
 * see, fails with ENOSYS, so the C library falls back to clone. Calls of
 * another architecture (int 0x80 on x86_64) kill the process.
 *
 * libseccomp allocates, which the child of a clone in a threaded process
 * must not: the filter is compiled here, in the backend, into classic BPF,
 * and the child only hands it to prctl(PR_SET_SECCOMP) before its exec.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"
#include "mem.h"

static const char *const denied[] = {
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"query_module",
	"get_kernel_syms",
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"chroot",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"swapon",
	"swapoff",
	"reboot",
	"kexec_load",
	"kexec_file_load",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"add_key",
	"request_key",
	"keyctl",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"open_by_handle_at",
	"name_to_handle_at",
	"acct",
	"settimeofday",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	"stime",
	"syslog",
	"quotactl",
	"quotactl_fd",
	"lookup_dcookie",
	"iopl",
	"ioperm",
	"uselib",
	"ustat",
	"sysfs",
	"_sysctl",
	"nfsservctl",
	"vm86",
	"vm86old",
	"unshare",
	"setns",
	"fanotify_init",
	"vhangup",
};

/* What a clone with any of these flags is refused. */
static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static int
rules(scmp_filter_ctx ctx)
{
	size_t i;
	int nr, rc;

	for (i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		if ((nr = seccomp_syscall_resolve_name(denied[i])) == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
			return rc;
	}
	for (i = 0; i < sizeof ns_flags / sizeof ns_flags[0]; i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		                           SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]))) < 0)
			return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/* The compiled program, read back from the memfd libseccomp wrote it to. */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("seccomp", MFD_CLOEXEC), rc;
	off_t n;

	if (fd < 0)
		return -errno;
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0 || (n = lseek(fd, 0, SEEK_END)) <= 0) {
		close(fd);
		return rc < 0 ? rc : -EIO;
	}
	prog->filter = emalloc((size_t)n);
	if (pread(fd, prog->filter, (size_t)n, 0) != n) {
		free(prog->filter);
		prog->filter = NULL;
		close(fd);
		return -EIO;
	}
	prog->len = (unsigned short)(n / sizeof *prog->filter);
	close(fd);
	return 0;
}

int
sandbox_seccomp_build(struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	memset(prog, 0, sizeof *prog);
	if (!ctx)
		oom(0); /* libseccomp's own allocation */
	if ((rc = rules(ctx)) == 0)
		rc = export(ctx, prog);
	seccomp_release(ctx);
	if (rc < 0)
		log_warn("sandbox: no seccomp filter: %s", strerror(-rc));
	return rc;
}

/*
 * check_cgroup_parse.c: finding labhit's cgroup from /proc texts, and the
 * tree set-up's refusals, on files made by the test (no kernel needed;
 * tests/integration/check_cgroup and tests/vm use the real one).
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/cgroup.h"
#include "tests/lib/testlib.h"

/* Debian 12 with systemd: one cgroup2 mount. */
static const char mi_unified[] =
    "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs "
    "sysfs rw\n"
    "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - "
    "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
    "28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";

/* The hybrid layout: v1 controllers and v2 at .../unified. */
static const char mi_hybrid[] =
    "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev shared:5 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:6 - cgroup cgroup "
    "rw,memory\n";

START_TEST(test_mountinfo)
{
	char	mnt[PATH_MAX];

	ck_assert_int_eq(cgroup_parse_mountinfo(mi_unified, mnt, sizeof(mnt)),
	    0);
	ck_assert_str_eq(mnt, "/sys/fs/cgroup");
	ck_assert_int_eq(cgroup_parse_mountinfo(mi_hybrid, mnt, sizeof(mnt)),
	    0);
	ck_assert_str_eq(mnt, "/sys/fs/cgroup/unified");
	/* v1 only: none */
	ck_assert_int_eq(cgroup_parse_mountinfo(mi_hybrid + strlen(
	    "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev shared:5 - "
	    "cgroup2 cgroup2 rw,nsdelegate\n"), mnt, sizeof(mnt)), -1);
	ck_assert_int_eq(cgroup_parse_mountinfo("", mnt, sizeof(mnt)), -1);
	/* optional fields before the separator, an escaped space */
	ck_assert_int_eq(cgroup_parse_mountinfo("40 1 0:40 / /mnt/cg\\040two "
	    "rw shared:1 master:2 - cgroup2 none rw\n", mnt, sizeof(mnt)), 0);
	ck_assert_str_eq(mnt, "/mnt/cg two");
	/* a bind of a sub-cgroup is not the hierarchy's root: skipped for
	 * the real one after it */
	ck_assert_int_eq(cgroup_parse_mountinfo("41 1 0:40 /sub /x rw - "
	    "cgroup2 none rw\n42 1 0:40 / /y rw - cgroup2 none rw\n", mnt,
	    sizeof(mnt)), 0);
	ck_assert_str_eq(mnt, "/y");
	/* "cgroup2" elsewhere on the line is not the type */
	ck_assert_int_eq(cgroup_parse_mountinfo("43 1 0:41 / /cgroup2 rw - "
	    "tmpfs cgroup2 rw\n", mnt, sizeof(mnt)), -1);
	/* does not fit */
	ck_assert_int_eq(cgroup_parse_mountinfo(mi_unified, mnt, 5), -1);
}
END_TEST

START_TEST(test_self)
{
	char	path[PATH_MAX];

	ck_assert_int_eq(cgroup_parse_self("0::/system.slice/labhit.service\n",
	    path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/system.slice/labhit.service");
	ck_assert_int_eq(cgroup_parse_self("9:name=systemd:/\n4:memory:/x\n"
	    "0::/\n", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/");
	/* v1 lines only, empty, relative, too long */
	ck_assert_int_eq(cgroup_parse_self("4:memory:/x\n", path,
	    sizeof(path)), -1);
	ck_assert_int_eq(cgroup_parse_self("0::\n", path, sizeof(path)), -1);
	ck_assert_int_eq(cgroup_parse_self("0::x\n", path, sizeof(path)), -1);
	ck_assert_int_eq(cgroup_parse_self("0::/abcdef\n", path, 4), -1);
	/* "10::" is not "0::" */
	ck_assert_int_eq(cgroup_parse_self("10::/a\n0::/b", path,
	    sizeof(path)), 0);
	ck_assert_str_eq(path, "/b");
}
END_TEST

START_TEST(test_controllers)
{
	ck_assert_uint_eq(cgroup_parse_controllers("cpuset cpu io memory "
	    "hugetlb pids rdma misc\n"), LH_CG_ALL);
	ck_assert_uint_eq(cgroup_parse_controllers("hugetlb\n"), 0);
	ck_assert_uint_eq(cgroup_parse_controllers(""), 0);
	ck_assert_uint_eq(cgroup_parse_controllers("memory"), LH_CG_MEMORY);
	/* whole words only */
	ck_assert_uint_eq(cgroup_parse_controllers("cpuset pidsx memoryy"), 0);
	ck_assert_uint_eq(cgroup_parse_controllers(" pids\tcpu "),
	    LH_CG_PIDS | LH_CG_CPU);
}
END_TEST

START_TEST(test_locate)
{
	char	*dir, *mi, *self, out[PATH_MAX], err[256];

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	mi = tl_write_file(dir, "mountinfo", mi_unified);
	self = tl_write_file(dir, "cgroup", "0::/system.slice/labhit.service\n");
	ck_assert_int_eq(cgroup_locate(mi, self, out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/system.slice/labhit.service");
	free(self);
	self = tl_write_file(dir, "cgroup", "0::/\n");
	ck_assert_int_eq(cgroup_locate(mi, self, out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup");
	free(self);
	self = tl_write_file(dir, "cgroup", "4:memory:/x\n");
	ck_assert_int_eq(cgroup_locate(mi, self, out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no cgroup v2 entry"));
	free(mi);
	mi = tl_write_file(dir, "mountinfo", "28 1 8:1 / / rw - ext4 sda rw\n");
	ck_assert_int_eq(cgroup_locate(mi, self, out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "no cgroup v2 file system is mounted");
	ck_assert_int_eq(cgroup_locate("/nonexistent/mi", self, out,
	    sizeof(out), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mi"));
	free(mi);
	free(self);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

/* The refusals that need no kernel: every one says why, none is usable. */
START_TEST(test_setup_refusals)
{
	struct lh_cgroup_tree	 t;
	struct lh_cgroup	 cg;
	struct lh_cgroup_limits	 lim = { 1 << 20, 10, 1 };
	char			*dir, *f, err[256], other[64];

	ck_assert_ptr_nonnull(dir = tl_tempdir());
	ck_assert_int_eq(cgroup_tree_setup(&t, "/nonexistent/cg", 0, 0), -1);
	ck_assert_int_eq(t.usable, 0);
	ck_assert_ptr_nonnull(strstr(t.why, "/nonexistent/cg"));
	/* no cgroup.events: what only the root cgroup looks like */
	ck_assert_int_eq(cgroup_tree_setup(&t, dir, 0, 0), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "root cgroup"));
	/* someone else in it */
	free(tl_write_file(dir, "cgroup.events", "populated 1\nfrozen 0\n"));
	free(tl_write_file(dir, "cgroup.subtree_control", ""));
	(void)snprintf(other, sizeof(other), "%ld\n%ld\n", (long)getpid(),
	    (long)getppid());
	f = tl_write_file(dir, "cgroup.procs", other);
	ck_assert_int_eq(cgroup_tree_setup(&t, dir, 0, 0), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "holds other processes"));
	ck_assert_int_eq(t.usable, 0);
	/* not writable by us (only meaningful when not root) */
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(f, 0444), 0);
		ck_assert_int_eq(cgroup_tree_setup(&t, dir, 0, 0), -1);
		ck_assert_ptr_nonnull(strstr(t.why, "not delegated"));
	}
	ck_assert_int_eq(cgroup_stage_create(&t, "s1-1", &lim, &cg, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, t.why);
	ck_assert_int_eq(cg.dirfd, -1);
	cgroup_stage_destroy(&cg);	/* harmless on a never-made one */
	/* attach: a dir we cannot use */
	ck_assert_int_eq(cgroup_tree_attach(&t, "/nonexistent/stages"), -1);
	ck_assert_int_eq(t.usable, 0);
	free(f);
	tl_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *
cgroup_parse_suite(void)
{
	Suite	*s = suite_create("cgroup_parse");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_mountinfo);
	tcase_add_test(tc, test_self);
	tcase_add_test(tc, test_controllers);
	tcase_add_test(tc, test_locate);
	tcase_add_test(tc, test_setup_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tl_run_suite(cgroup_parse_suite());
}

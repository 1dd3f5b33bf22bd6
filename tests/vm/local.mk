# tests/vm: the cgroup v2 suites run inside a qemu VM (tests/vm/vm-run boots
# a Debian kernel with a busybox initramfs). cgroup.test is skipped unless
# LABHIT_VM_KERNEL names a kernel; scripts/check sets it (scripts/vm-kernel).
TEST_EXTENSIONS = .test
TEST_LOG_COMPILER = bash
dist_check_SCRIPTS = tests/vm/vm-run tests/vm/cgroup.test
TESTS += tests/vm/cgroup.test

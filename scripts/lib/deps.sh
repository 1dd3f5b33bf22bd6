# scripts/lib/deps.sh: package lists and the one installer the README
# commands share. Sourced, not run.

# What building and running labhit needs.
LABHIT_BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config
libevent-dev libjson-c-dev libyaml-dev libssl-dev libjwt-dev libpq-dev
libsqlite3-dev libseccomp-dev check libsystemd-dev bubblewrap curl"

# What the test suite needs on top: a PostgreSQL server for the store suite,
# clang and its runtimes for the fuzz targets, chromium for the playground
# browser test, qemu and a static busybox for the cgroup v2 VM test.
LABHIT_TEST_PACKAGES="postgresql sqlite3 clang libclang-rt-14-dev procps chromium
qemu-system-x86 busybox-static"

# ensure_packages PKG...: installs the ones that are missing with apt-get.
ensure_packages() {
	local missing=() pkg sudo=""
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
		    grep -q "install ok installed"; then
			missing+=("$pkg")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || {
			echo "labhit: missing packages: ${missing[*]}; run as root or install sudo" >&2
			return 1
		}
		sudo="sudo"
	fi
	echo "labhit: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq || true
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

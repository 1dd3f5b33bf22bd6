/*
 * log.c: formatted log lines for every process. One write(2) per line so
 * lines from concurrent processes sharing a file never interleave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared/log.h"

static char log_ident[32] = "labhit";
static enum lh_log_level log_level = LH_LOG_INFO;
static int log_fd = STDERR_FILENO;
static char log_path[4096];

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_set_ident(const char *ident)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
}

void
log_set_level(enum lh_log_level level)
{
	log_level = level;
}

enum lh_log_level
log_get_level(void)
{
	return log_level;
}

const char *
log_level_name(enum lh_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "info";
	return level_names[level];
}

int
log_level_parse(const char *word, enum lh_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(word, level_names[i]) == 0) {
			*out = (enum lh_log_level)i;
			return 0;
		}
	}
	if (strcmp(word, "warning") == 0) {
		*out = LH_LOG_WARN;
		return 0;
	}
	return -1;
}

static int
open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
log_open(const char *path)
{
	int fd;

	if (path == NULL || path[0] == '\0') {
		if (log_fd != STDERR_FILENO)
			close(log_fd);
		log_fd = STDERR_FILENO;
		log_path[0] = '\0';
		return 0;
	}
	if ((fd = open_log_file(path)) == -1)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	snprintf(log_path, sizeof(log_path), "%s", path);
	return 0;
}

int
log_reopen(void)
{
	int fd;

	if (log_path[0] == '\0')
		return 0;
	if ((fd = open_log_file(log_path)) == -1)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

static void
log_vline(enum lh_log_level level, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_vline(enum lh_log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[4096];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s[%ld]: ",
	    ts.tv_nsec / 1000000, level_names[level], log_ident, (long)getpid());
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	if (errnum != 0 && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(log_fd, line, n);
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
	va_start(ap, fmt);						\
	log_vline(level, with_errno ? saved : 0, fmt, ap);		\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_error, LH_LOG_ERROR, 0)
LOG_FN(log_warn, LH_LOG_WARN, 1)
LOG_FN(log_warnx, LH_LOG_WARN, 0)
LOG_FN(log_info, LH_LOG_INFO, 0)
LOG_FN(log_debug, LH_LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LH_LOG_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LH_LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * log.h: the one logging module every labhit process uses.
 * Lines go to stderr or to a log file, prefixed with time, pid and role.
 */
#ifndef LH_LOG_H
#define LH_LOG_H

#include <stdarg.h>

enum lh_log_level {
	LH_LOG_ERROR = 0,
	LH_LOG_WARN,
	LH_LOG_INFO,
	LH_LOG_DEBUG,
};

/* Sets the role shown on every line ("master", "worker 1", "runner 0"). */
void log_set_ident(const char *ident);
void log_set_level(enum lh_log_level level);
enum lh_log_level log_get_level(void);
/* Sends lines to path (opened O_APPEND), or to stderr when path is NULL or "".
 * Returns 0, or -1 and leaves the previous destination in place. */
int log_open(const char *path);
/* Reopens the current file after rotation (SIGUSR1). */
int log_reopen(void);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int log_level_parse(const char *word, enum lh_log_level *out);
const char *log_level_name(enum lh_log_level level);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only, or when a trusted peer breaks the protocol. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

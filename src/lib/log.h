/* log.h: logging to stderr, one line per event, journald-friendly (no timestamps of our
 * own when stderr is the journal; systemd adds them). */
#ifndef EASD_LOG_H
#define EASD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "debug", "info", "warn", "error"; -1 when unknown. */
int log_level_parse(const char *name, enum log_level *level_r);
/* Prefixes every line with an ISO time (for terminals; off under journald). */
void log_set_timestamps(bool on);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

#ifndef LLSR_LOG_H
#define LLSR_LOG_H
/* Logging to stderr or syslog. Every line carries the worker's pid and, while
 * a request is in hand, its id. */

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident is borrowed and must outlive logging. */
void log_init(const char *ident, int use_syslog, int level);

/* Sets the request id shown on each line (copied); NULL clears it. */
void log_set_request(const char *id);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

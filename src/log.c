#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "llsr/log.h"

static const char *log_ident = "ll-solution-runner";
static int log_syslog;
static int log_level = LOG_LVL_INFO;
static _Thread_local char
	log_reqid[64]; /* per thread: the overflow thread has none */

void
log_init(const char *ident, int use_syslog, int level)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_level = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_request(const char *id)
{
	if (id)
		snprintf(log_reqid, sizeof(log_reqid), "%s", id);
	else
		log_reqid[0] = '\0';
}

static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[2048];
	char ts[32];
	struct tm tm;
	time_t now;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		if (log_reqid[0])
			syslog(prio[level], "[%s] %s", log_reqid, msg);
		else
			syslog(prio[level], "%s", msg);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One write per line so that workers sharing stderr do not interleave.
	 */
	dprintf(STDERR_FILENO, "%s %s[%ld] %s: %s%s%s%s\n", ts, log_ident,
		(long)getpid(), names[level], log_reqid[0] ? "[" : "",
		log_reqid, log_reqid[0] ? "] " : "", msg);
}

#define LOG_FN(name, level)                                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite(level, fmt, ap);                                    \
		va_end(ap);                                                    \
	}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

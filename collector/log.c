/* log: process-wide log level and destination (stderr), set once by main. */
#include "log.h"

#include <bpf/libbpf.h>

#include "diag.h"
#include "strbuf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_prog = "ebpfexp";
static enum log_level log_level = LOG_INFO;
static bool log_timestamps;
static struct strbuf *log_capture;

void log_setup(const char *prog, enum log_level level, bool timestamps)
{
	log_prog = prog;
	log_level = level;
	log_timestamps = timestamps;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

static void log_vprint(enum log_level level, const char *where, const char *fmt, va_list ap)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char stamp[32] = "";

	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	fprintf(stderr, "%s%s: ", stamp, log_prog);
	if (level != LOG_ERROR && level != LOG_INFO)
		fprintf(stderr, "%s: ", names[level]);
	if (where)
		fprintf(stderr, "%s: ", where);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vprint(level, NULL, fmt, ap);
	va_end(ap);
}

void log_debug_at(const char *file, int line, const char *fmt, ...)
{
	char where[128];
	va_list ap;

	if (!log_enabled(LOG_DEBUG))
		return;
	snprintf(where, sizeof(where), "%s:%d", file, line);
	va_start(ap, fmt);
	log_vprint(LOG_DEBUG, where, fmt, ap);
	va_end(ap);
}

static int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBBPF_WARN   ? LOG_WARN
			      : level == LIBBPF_INFO ? LOG_DEBUG
						     : LOG_DEBUG;

	if (log_capture && level <= LIBBPF_WARN) {
		va_list copy;
		char *msg = NULL;

		va_copy(copy, ap);
		if (vasprintf(&msg, fmt, copy) >= 0) {
			/* libbpf starts its lines with "libbpf: "; the quote needs no prefix */
			strbuf_addstr(log_capture, strncmp(msg, "libbpf: ", 8) ? msg : msg + 8);
			free(msg);
		}
		va_end(copy);
		/* what it says while captured comes back in one error message */
		if (!log_enabled(LOG_DEBUG))
			return 0;
	}
	/* libbpf's info level is chatty (every map it creates): show it with --debug only. */
	if (level == LIBBPF_DEBUG && !log_enabled(LOG_DEBUG))
		return 0;
	if (!log_enabled(ours))
		return 0;
	log_vprint(ours, NULL, fmt, ap);
	return 0;
}

void log_capture_libbpf(struct strbuf *sb)
{
	log_capture = sb;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(log_libbpf);
}

void log_diag(struct diag *d)
{
	for (size_t i = 0; i < d->n_msgs; i++)
		log_msg(d->msgs[i].is_warning ? LOG_WARN : LOG_ERROR, "%s", d->msgs[i].text);
	diag_clear(d);
}

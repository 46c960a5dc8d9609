/* log: leveled messages to stderr, for the mains and --debug output. */
#ifndef EBPFEXP_LOG_H
#define EBPFEXP_LOG_H
#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set once by main, before anything else: program name, level, timestamps or not. */
void log_setup(const char *prog, enum log_level level, bool timestamps);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Debug lines carry the source file:line. */
#define log_debug(...) log_debug_at(__FILE__, __LINE__, __VA_ARGS__)
void log_debug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * While @sb is set, libbpf's warnings are also appended to it (so that a failing load can
 * quote libbpf's and the verifier's reason); NULL stops capturing.
 */
struct strbuf;
void log_capture_libbpf(struct strbuf *sb);
/* Log each message of @d, a warning as a warning and an error as an error; then clear @d. */
struct diag;
void log_diag(struct diag *d);
/* Route libbpf's messages through log at our levels (process-wide, by libbpf's design). */
void log_hook_libbpf(void);

#endif

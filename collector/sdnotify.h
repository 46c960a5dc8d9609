/*
 * sdnotify: tell systemd about the service's state (sd_notify(3)'s protocol: one datagram
 * to $NOTIFY_SOCKET), without libsystemd.
 */
#ifndef EBPFEXP_SDNOTIFY_H
#define EBPFEXP_SDNOTIFY_H
#include <stdint.h>

#include "diag.h"

/*
 * Send @state ("READY=1\nSTATUS=...") when NOTIFY_SOCKET is set; 0 when it is not.
 * A negative errno when sending failed (the caller may log it; the service goes on).
 */
int sdnotify(const char *state);
/* The same with a printf format. */
int sdnotifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The watchdog interval systemd asks for, as sd_watchdog_enabled(3) reads it: $WATCHDOG_USEC
 * microseconds when $WATCHDOG_PID is unset or names this process. *@usec is 0 when no
 * watchdog is asked for. -EINVAL, with *@usec 0 and the reason in @d, when either variable
 * is not a positive number. The caller sends "WATCHDOG=1" at least once per interval.
 */
int sdnotify_watchdog_usec(uint64_t *usec, struct diag *d);

#endif

/*
 * sdnotify: tell systemd about the service's state (sd_notify(3)'s protocol: one datagram
 * to $NOTIFY_SOCKET), without libsystemd.
 */
#ifndef EBPFEXP_SDNOTIFY_H
#define EBPFEXP_SDNOTIFY_H

/*
 * Send @state ("READY=1\nSTATUS=...") when NOTIFY_SOCKET is set; 0 when it is not.
 * A negative errno when sending failed (the caller may log it; the service goes on).
 */
int sdnotify(const char *state);
/* The same with a printf format. */
int sdnotifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

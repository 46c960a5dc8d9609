/*
 * sdnotify: the notification protocol is a datagram of NEWLINE-separated KEY=VALUE lines to
 * the AF_UNIX socket named by NOTIFY_SOCKET: a path, or an abstract name when it starts
 * with '@'. The watchdog's variables are read here; when to ping is the caller's business.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	int fd, err = 0;

	if (!path || !path[0])
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int sdnotifyf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdnotify(buf);
}

/* A whole decimal number above 0 and below UINT64_MAX (systemd's USEC_INFINITY). */
static bool parse_positive(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9') /* strtoull would take "-1" and " 1" */
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || v == UINT64_MAX)
		return false;
	*out = v;
	return true;
}

int sdnotify_watchdog_usec(uint64_t *usec, struct diag *d)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t v, p;

	*usec = 0;
	if (!us)
		return 0;
	if (!parse_positive(us, &v))
		return diag_err(d, EINVAL, NULL,
				"$WATCHDOG_USEC=\"%s\": not a positive number of microseconds", us);
	if (pid) {
		if (!parse_positive(pid, &p) || p > INT32_MAX)
			return diag_err(d, EINVAL, NULL, "$WATCHDOG_PID=\"%s\": not a process id",
					pid);
		if (p != (uint64_t)getpid()) /* meant for another process */
			return 0;
	}
	*usec = v;
	return 0;
}

/* Unit tests for collector/sdnotify.c: datagrams to $NOTIFY_SOCKET, the watchdog variables. */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tap.h"

/* A datagram socket bound at @name (a path, or abstract when it starts with '@'); -1: error. */
static int listen_at(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || len >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on @fd, without waiting: "" when there is none. */
static const char *received(int fd)
{
	static char buf[2048];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_notify(void)
{
	char dir[] = "/tmp/sdnotify-t.XXXXXX", path[64], abstract[64];
	int fd;

	unsetenv("NOTIFY_SOCKET");
	is_int(sdnotify("READY=1"), 0, "without NOTIFY_SOCKET nothing is sent and all is well");

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(path);
	ok(fd >= 0, "a socket stands in for systemd's");
	setenv("NOTIFY_SOCKET", path, 1);
	is_int(sdnotify("READY=1\nSTATUS=2 config(s): a, b"), 0, "sending to a path works");
	is_str(received(fd), "READY=1\nSTATUS=2 config(s): a, b",
	       "one datagram, exactly the state");
	is_int(sdnotifyf("WATCHDOG=%d", 1), 0, "sdnotifyf sends too");
	is_str(received(fd), "WATCHDOG=1", "with the format applied");
	close(fd);
	unlink(path);
	is_int(sdnotify("WATCHDOG=1"), -ENOENT, "a socket that is gone: -ENOENT, no crash");
	rmdir(dir);

	snprintf(abstract, sizeof(abstract), "@ebpfexp-sdnotify-t-%d", (int)getpid());
	fd = listen_at(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	is_int(sdnotify("STOPPING=1"), 0, "an abstract socket (@name) works");
	is_str(received(fd), "STOPPING=1", "and gets the datagram");
	if (fd >= 0)
		close(fd);

	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	is_int(sdnotify("READY=1"), -EINVAL, "a relative path is refused with -EINVAL");
	unsetenv("NOTIFY_SOCKET");
}

/* sdnotify_watchdog_usec with these variables (NULL: unset): its return, *usec, message. */
static int watchdog(const char *usec_env, const char *pid_env, uint64_t *usec, char *msg,
		    size_t msg_len)
{
	struct diag d = {0};
	int err;

	if (usec_env)
		setenv("WATCHDOG_USEC", usec_env, 1);
	else
		unsetenv("WATCHDOG_USEC");
	if (pid_env)
		setenv("WATCHDOG_PID", pid_env, 1);
	else
		unsetenv("WATCHDOG_PID");
	*usec = 12345; /* must be overwritten */
	err = sdnotify_watchdog_usec(usec, &d);
	snprintf(msg, msg_len, "%s", diag_last(&d));
	diag_release(&d);
	return err;
}

static void test_watchdog(void)
{
	static const char *const bad_usec[] = {
		"", "0", "-1", " 1", "1s", "abc", "18446744073709551615", "99999999999999999999"};
	char me[32], other[32], msg[256];
	uint64_t usec;

	snprintf(me, sizeof(me), "%d", (int)getpid());
	snprintf(other, sizeof(other), "%d", (int)getppid());

	is_int(watchdog(NULL, NULL, &usec, msg, sizeof(msg)), 0, "no WATCHDOG_USEC: no error");
	is_int(usec, 0, "and no watchdog");
	is_int(watchdog("200000", NULL, &usec, msg, sizeof(msg)), 0, "WATCHDOG_USEC=200000");
	is_int(usec, 200000, "is 200000 us when WATCHDOG_PID is unset");
	watchdog("30000000", me, &usec, msg, sizeof(msg));
	is_int(usec, 30000000, "and when WATCHDOG_PID is this process");
	is_int(watchdog("30000000", other, &usec, msg, sizeof(msg)), 0,
	       "WATCHDOG_PID of another process is no error");
	is_int(usec, 0, "but the watchdog is not this process's to ping");
	is_int(watchdog(NULL, me, &usec, msg, sizeof(msg)), 0, "WATCHDOG_PID alone: no error");
	is_int(usec, 0, "and no watchdog");

	for (size_t i = 0; i < sizeof(bad_usec) / sizeof(bad_usec[0]); i++) {
		is_int(watchdog(bad_usec[i], NULL, &usec, msg, sizeof(msg)), -EINVAL,
		       "WATCHDOG_USEC=\"%s\" is refused with -EINVAL", bad_usec[i]);
		is_int(usec, 0, "and no watchdog");
	}
	watchdog("1s", NULL, &usec, msg, sizeof(msg));
	is_str(msg, "$WATCHDOG_USEC=\"1s\": not a positive number of microseconds",
	       "the message quotes the value");
	is_int(watchdog("200000", "x1", &usec, msg, sizeof(msg)), -EINVAL,
	       "WATCHDOG_PID=x1 is refused with -EINVAL");
	is_int(usec, 0, "and no watchdog");
	is_str(msg, "$WATCHDOG_PID=\"x1\": not a process id", "the message quotes it");
	is_int(watchdog("200000", "0", &usec, msg, sizeof(msg)), -EINVAL, "WATCHDOG_PID=0 too");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int main(void)
{
	test_notify();
	test_watchdog();
	return done_testing();
}

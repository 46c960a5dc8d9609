/*
 * perfcount: a perf_event_array metric counted by the loader: events in through libbpf's
 * perf buffer, counts by label bytes out into a pinned hash map, lost events into a pinned
 * array. Which configs have such metrics, and the epoll loop, are the loader's.
 */
#include "perfcount.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PERFCOUNT_PAGES 256			     /* per CPU: 1 MiB with 4 KiB pages */
#define PERFCOUNT_MAX_ENTRIES 65536		     /* distinct label sets per flush interval */
#define PERFCOUNT_FLUSH_NS (3600ull * 1000000000ull) /* [compat] 1h */

struct perfcount {
	const struct config *cfg;
	const struct config_metric *cm;
	int epfd;	  /* borrowed */
	size_t event_len; /* Σ(size + padding): the part of an event that counts */
	size_t key_len;	  /* the count map's key size (4 without labels) */
	uint8_t *key;
	int count_fd, lost_fd, timer_fd;
	char *count_pin;
	struct perf_buffer *pb;
	size_t n_rings;			 /* in the epoll */
	uint64_t lost[PINS_PERF_LOST_N]; /* as in the .lost map */
	bool lost_dirty;
	int update_err; /* first failure since the last report */
};

void perfcount_flush_lost(struct perfcount *pc)
{
	if (!pc->lost_dirty || pc->lost_fd < 0)
		return;
	for (__u32 k = 0; k < PINS_PERF_LOST_N; k++)
		(void)bpf_map_update_elem(pc->lost_fd, &k, &pc->lost[k], BPF_ANY); /* array */
	pc->lost_dirty = false;
}

/* [compat] reference §8.1: the event truncated to the labels' bytes counts 1 for that key. */
static void perfcount_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct perfcount *pc = ctx;
	__u64 v = 0;

	(void)cpu;
	if (size < pc->event_len) {
		pc->lost[1]++;
		pc->lost_dirty = true;
		return;
	}
	memset(pc->key, 0, pc->key_len);
	memcpy(pc->key, data, pc->event_len);
	if (bpf_map_lookup_elem(pc->count_fd, pc->key, &v))
		v = 0;
	v++;
	if (bpf_map_update_elem(pc->count_fd, pc->key, &v, BPF_ANY)) {
		if (!pc->update_err)
			pc->update_err = -errno;
		pc->lost[1]++;
		pc->lost_dirty = true;
	}
}

static void perfcount_lost(void *ctx, int cpu, __u64 cnt)
{
	struct perfcount *pc = ctx;

	(void)cpu;
	pc->lost[0] += cnt;
	pc->lost_dirty = true;
}

/* Every flush_interval the counts start again from zero [compat]. */
static int perfcount_clear(struct perfcount *pc)
{
	uint8_t *next = malloc(pc->key_len);
	int err = 0;

	if (!next)
		return -ENOMEM;
	while (!bpf_map_get_next_key(pc->count_fd, NULL, next))
		if (bpf_map_delete_elem(pc->count_fd, next) && errno != ENOENT) {
			err = -errno;
			break;
		}
	free(next);
	return err;
}

void perfcount_flush(struct perfcount *pc, struct diag *d)
{
	uint64_t ticks;
	int err;

	if (read(pc->timer_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	(void)perf_buffer__consume(pc->pb); /* what came before counts before */
	err = perfcount_clear(pc);
	if (err)
		diag_warn(d, NULL, "config \"%s\": metric \"%s\": flush: %s", pc->cfg->name,
			  pc->cm->name, strerror(-err));
}

void perfcount_consume(struct perfcount *pc)
{
	if (pc->pb && perf_buffer__consume(pc->pb) < 0 && !pc->update_err)
		pc->update_err = -errno;
}

void perfcount_report(struct perfcount *pc, struct diag *d)
{
	perfcount_flush_lost(pc);
	if (pc->update_err)
		diag_warn(d, NULL, "config \"%s\": metric \"%s\": count an event: %s%s",
			  pc->cfg->name, pc->cm->name, strerror(-pc->update_err),
			  pc->update_err == -E2BIG ? " (too many label sets; counted as lost)"
						   : "");
	pc->update_err = 0;
}

const struct config_metric *perfcount_metric(const struct perfcount *pc)
{
	return pc->cm;
}

int perfcount_map_fd(const struct perfcount *pc)
{
	return pc->count_fd;
}

const char *perfcount_pin(const struct perfcount *pc)
{
	return pc->count_pin;
}

void perfcount_close(struct perfcount *pc)
{
	if (!pc)
		return;
	if (pc->pb) {
		(void)perf_buffer__consume(pc->pb); /* count what arrived before going */
		for (size_t i = 0; i < pc->n_rings; i++)
			epoll_ctl(pc->epfd, EPOLL_CTL_DEL, perf_buffer__buffer_fd(pc->pb, i), NULL);
		perf_buffer__free(pc->pb);
	}
	perfcount_flush_lost(pc);
	if (pc->timer_fd >= 0) {
		epoll_ctl(pc->epfd, EPOLL_CTL_DEL, pc->timer_fd, NULL);
		close(pc->timer_fd);
	}
	if (pc->count_fd >= 0)
		close(pc->count_fd);
	if (pc->lost_fd >= 0)
		close(pc->lost_fd);
	free(pc->key);
	free(pc->count_pin);
	free(pc);
}

/* The count map and its lost companion, made or reused; the lost counts carry on. */
static int perfcount_maps(struct perfcount *pc, const struct perfcount_opts *o, const char *what,
			  struct diag *d)
{
	const char *name = pc->cm->name;
	char lost_pin[PATH_MAX];
	struct pins_map_def def;
	int err;

	def = (struct pins_map_def){.what = what,
				    .name = name,
				    .type = BPF_MAP_TYPE_HASH,
				    .key_size = (__u32)pc->key_len,
				    .value_size = 8,
				    .max_entries = PERFCOUNT_MAX_ENTRIES,
				    .flags = BPF_F_NO_PREALLOC};
	err = pins_own_map(&pc->count_fd, pc->count_pin, &def, o->acc, d);
	if (err)
		return err;
	snprintf(lost_pin, sizeof(lost_pin), "%s%s", pc->count_pin, PINS_PERF_LOST_SUFFIX);
	def = (struct pins_map_def){.what = what,
				    .name = "perf_lost",
				    .type = BPF_MAP_TYPE_ARRAY,
				    .key_size = 4,
				    .value_size = 8,
				    .max_entries = PINS_PERF_LOST_N};
	err = pins_own_map(&pc->lost_fd, lost_pin, &def, o->acc, d);
	if (err)
		return err;
	for (__u32 k = 0; k < PINS_PERF_LOST_N; k++) /* they go on across restarts */
		if (bpf_map_lookup_elem(pc->lost_fd, &k, &pc->lost[k]))
			pc->lost[k] = 0;
	return 0;
}

int perfcount_open(struct perfcount **out, const struct perfcount_opts *o, struct diag *d)
{
	uint64_t ns = o->cm->flush_interval_ns ? o->cm->flush_interval_ns : PERFCOUNT_FLUSH_NS;
	struct epoll_event ev = {.events = EPOLLIN};
	struct itimerspec its = {0};
	struct perfcount *pc;
	char what[300];
	int err;

	*out = pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	*pc = (struct perfcount){.cfg = o->cfg,
				 .cm = o->cm,
				 .epfd = o->epfd,
				 .count_fd = -1,
				 .lost_fd = -1,
				 .timer_fd = -1};
	pc->key_len = config_metric_key_size(o->cm);
	pc->event_len = o->cm->n_labels ? pc->key_len : 0;
	pc->key = calloc(1, pc->key_len);
	if (!pc->key || asprintf(&pc->count_pin, "%s/%s", o->pin_dir, o->cm->name) < 0) {
		pc->count_pin = NULL;
		return -ENOMEM;
	}
	snprintf(what, sizeof(what), "config \"%s\": metric \"%s\"", o->cfg->name, o->cm->name);
	err = perfcount_maps(pc, o, what, d);
	if (err)
		return err;
	pc->pb = perf_buffer__new(o->event_map_fd, o->pages ? o->pages : PERFCOUNT_PAGES,
				  perfcount_sample, perfcount_lost, pc, NULL);
	if (!pc->pb) {
		err = -errno;
		return diag_err(d, err, NULL, "%s: open perf buffer: %s", what, strerror(-err));
	}
	/*
	 * Each CPU's ring goes into the caller's epoll, to wake it. Which ring woke it is not
	 * to be trusted: perf_poll() clears a ring's readiness when anything polls it, and
	 * the caller polls the epoll fd before reading it. So every wake should drain every
	 * ring (perfcount_consume), which also covers libbpf's own epoll fd's failings.
	 */
	ev.data.ptr = o->ring_tag;
	for (size_t i = 0; i < perf_buffer__buffer_cnt(pc->pb); i++) {
		if (epoll_ctl(pc->epfd, EPOLL_CTL_ADD, perf_buffer__buffer_fd(pc->pb, i), &ev))
			return diag_err(d, errno, NULL, "%s: epoll: %s", what, strerror(errno));
		pc->n_rings++;
	}
	pc->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pc->timer_fd < 0)
		return diag_err(d, errno, NULL, "%s: timerfd: %s", what, strerror(errno));
	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	its.it_interval = its.it_value;
	if (timerfd_settime(pc->timer_fd, 0, &its, NULL))
		return diag_err(d, errno, NULL, "%s: flush timer: %s", what, strerror(errno));
	ev.data.ptr = o->timer_tag;
	if (epoll_ctl(pc->epfd, EPOLL_CTL_ADD, pc->timer_fd, &ev))
		return diag_err(d, errno, NULL, "%s: epoll: %s", what, strerror(errno));
	return 0;
}

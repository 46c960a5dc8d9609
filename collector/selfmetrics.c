/*
 * selfmetrics: ebpfexp.prom's families. Their names, labels and HELP texts are
 * ebpf_exporter's for its built-in families [compat], and stay the same wherever a family
 * is written (node_exporter drops a file that repeats a family with another HELP). Which
 * configs there are and how their read went is the reader's to say.
 */
#include "selfmetrics.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "family.h"
#include "manifest.h"
#include "metric.h"
#include "pins.h"

#define LOAD_FAILED_HELP                                                                           \
	"Whether the last load of this config by ebpfexp-load failed (1) or not (0)."

static void add_gauge(struct family_set *fs, const char *name, const char *help,
		      enum family_type type, const char *const *lnames, size_t n,
		      const char *const *lvals, double v)
{
	struct family *f = family_set_find(fs, name);
	struct series *s;

	if (!f && family_set_add(fs, name, help, type, lnames, n, &f))
		return;
	family_add_series(f, lvals, v, &s);
}

/* Per program: run time and count from the kernel, when bpf_stats_enabled is 1. */
static bool bpf_stats_enabled(void)
{
	char c = '0';
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static int prog_stats(const char *pin, uint64_t *run_ns, uint64_t *run_cnt)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = BPF_F_RDONLY);
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get_opts(pin, &o), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	close(fd);
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return err;
}

/* Events of perf_event_array counters that the loader could not count (pins.h format). */
static void perf_lost_metrics(struct family_set *fs, const struct selfmetrics_config *c)
{
	static const char *const l_cm[] = {"config", "metric"};

	for (size_t i = 0; i < c->m->n_maps; i++) {
		const struct manifest_map *mm = &c->m->maps[i];
		const struct config_metric *cm = NULL;
		const char *vals[] = {c->name, mm->metric};
		uint64_t lost = 0;

		for (size_t k = 0; k < c->m->config->n_metrics && !cm; k++)
			if (!strcmp(c->m->config->metrics[k].name, mm->metric))
				cm = &c->m->config->metrics[k];
		if (!cm || !cm->perf_event_array || pins_read_perf_lost(mm->pin_path, &lost))
			continue;
		add_gauge(fs, "ebpfexp_perf_events_lost_total",
			  "Events of perf_event_array counters the loader could not count: lost "
			  "in the kernel's buffer or dropped.",
			  FAMILY_COUNTER, l_cm, 2, vals, (double)lost);
	}
}

/* ebpf_exporter's program families, from the manifest and, when enabled, the kernel. */
static void prog_metrics(struct family_set *fs, const struct selfmetrics_config *c, bool loader_up,
			 bool stats)
{
	static const char *const l_info[] = {"config", "id", "program", "tag"}, *const l_id[] = {
											"id"};
	char num[32];

	for (size_t p = 0; p < c->m->n_progs; p++) {
		const struct manifest_prog *mp = &c->m->progs[p];
		const char *info[] = {c->name, num, mp->name, mp->tag};
		const char *id[] = {num};
		uint64_t ns = 0, cnt = 0;

		snprintf(num, sizeof(num), "%u", mp->id);
		add_gauge(fs, "ebpf_exporter_ebpf_program_info", "Info about ebpf programs",
			  FAMILY_GAUGE, l_info, 4, info, 1);
		add_gauge(fs, "ebpf_exporter_ebpf_program_attached",
			  "Whether a program is attached", FAMILY_GAUGE, l_id, 1, id,
			  mp->attached && loader_up);
		if (!stats || !loader_up || !mp->pin_path || prog_stats(mp->pin_path, &ns, &cnt))
			continue;
		add_gauge(fs, "ebpf_exporter_ebpf_program_run_time_seconds",
			  "How long has the program been executing", FAMILY_COUNTER, l_id, 1, id,
			  (double)(ns / 1000000000ull) + (double)(ns % 1000000000ull) / 1e9);
		add_gauge(fs, "ebpf_exporter_ebpf_program_run_count_total",
			  "How many times has the program been executed", FAMILY_COUNTER, l_id, 1,
			  id, (double)cnt);
	}
}

static void config_metrics(struct family_set *fs, const struct selfmetrics_config *c,
			   bool loader_up, bool stats)
{
	static const char *const l_name[] = {"name"}, *const l_config[] = {"config"};
	const char *cfg[] = {c->name};

	add_gauge(fs, "ebpfexp_read_success",
		  "Whether the last read of this config succeeded (1) or not (0).", FAMILY_GAUGE,
		  l_config, 1, cfg, c->ok);
	add_gauge(fs, "ebpfexp_read_last_success_timestamp_seconds",
		  "Unix time of the last successful read of this config.", FAMILY_GAUGE, l_config,
		  1, cfg, c->last_success);
	add_gauge(fs, "ebpfexp_series", "Series written for this config by the last read.",
		  FAMILY_GAUGE, l_config, 1, cfg, (double)c->st->n_series);
	add_gauge(fs, "ebpfexp_series_dropped",
		  "Series dropped by --metrics.max-series in the last read.", FAMILY_GAUGE,
		  l_config, 1, cfg, (double)c->st->n_dropped);
	add_gauge(fs, "ebpf_exporter_decoder_errors_total",
		  "How many times has decoders encountered errors", FAMILY_COUNTER, l_config, 1,
		  cfg, (double)c->decoder_errors);
	add_gauge(fs, "ebpfexp_config_load_failed", LOAD_FAILED_HELP, FAMILY_GAUGE, l_config, 1,
		  cfg, c->load_failed);
	if (!c->m)
		return;
	perf_lost_metrics(fs, c);
	add_gauge(fs, "ebpf_exporter_enabled_configs", "The set of enabled configs", FAMILY_GAUGE,
		  l_name, 1, cfg, 1);
	prog_metrics(fs, c, loader_up, stats);
}

void selfmetrics_add(struct family_set *fs, const struct selfmetrics *s)
{
	static const char *const l_config[] = {"config"}, *const l_build[] = {
								  "branch",    "goarch",   "goos",
								  "goversion", "revision", "tags",
								  "version"};
	const char *build[] = {"", "", "linux", "", EBPFEXP_REVISION, "", EBPFEXP_VERSION};
	bool stats = bpf_stats_enabled();

#if defined(__x86_64__)
	build[1] = "amd64";
#elif defined(__aarch64__)
	build[1] = "arm64";
#endif
	add_gauge(fs, "ebpf_exporter_build_info",
		  "A metric with a constant '1' value labeled by version, revision, branch, "
		  "goversion from which ebpf_exporter was built, and the goos and goarch for the "
		  "build.",
		  FAMILY_GAUGE, l_build, 7, build, 1);
	add_gauge(
		fs, "ebpfexp_loader_up",
		"Whether ebpfexp-load holds its lock (1) or not (0): with 0, counters are frozen.",
		FAMILY_GAUGE, NULL, 0, NULL, s->loader_up ? 1 : 0);
	for (size_t i = 0; i < s->n_failed; i++) {
		const char *cfg[] = {s->failed[i]};

		add_gauge(fs, "ebpfexp_config_load_failed", LOAD_FAILED_HELP, FAMILY_GAUGE,
			  l_config, 1, cfg, 1);
	}
	add_gauge(fs, "ebpfexp_read_duration_seconds", "How long the last ebpfexp-read run took.",
		  FAMILY_GAUGE, NULL, 0, NULL, s->duration);
	for (size_t i = 0; i < s->n_configs; i++)
		config_metrics(fs, &s->configs[i], s->loader_up, stats);
}

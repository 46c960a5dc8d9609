/*
 * attach: the section-specific part of loading. Loading, pinning and bookkeeping are the
 * loader's; this module only turns a loaded program into links, and patches kaddrs.
 */
#include "attach.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PERF_PREFIX "perf_event/"
#define XDP_PREFIX "xdp/"

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

int attach_register_handlers(struct diag *d)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts);
	int err;

	err = libbpf_register_prog_handler(PERF_PREFIX, BPF_PROG_TYPE_PERF_EVENT, 0, &opts);
	if (err < 0)
		return diag_err(d, err, NULL, "register perf_event/ sections: %s", strerror(-err));
	err = libbpf_register_prog_handler(XDP_PREFIX, BPF_PROG_TYPE_XDP, BPF_XDP, &opts);
	if (err < 0)
		return diag_err(d, err, NULL, "register xdp/ sections: %s", strerror(-err));
	return 0;
}

int attach_needs_tracefs(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (starts_with(sec, "tracepoint/") || starts_with(sec, "tp/"))
			return 1;
	}
	return 0;
}

/* ---- kaddrs ---- */

struct ksym_addr {
	char *name;
	unsigned long long addr;
};

/* [compat] lines split on single spaces with exactly three fields; the last one wins. */
static int kallsyms_find(const char *path, const struct config *c, unsigned long long *addrs,
			 struct diag *d)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int *found = calloc(c->n_kaddrs, sizeof(int));
	int err = 0;

	if (!f || !found) {
		err = f ? -ENOMEM : diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
		goto out;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *sp1, *sp2, *name;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		sp1 = strchr(line, ' ');
		sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (!sp2 || strchr(sp2 + 1, ' '))
			continue;
		name = sp2 + 1;
		for (size_t i = 0; i < c->n_kaddrs; i++) {
			if (strcmp(name, c->kaddrs[i].symbol))
				continue;
			addrs[i] = strtoull(line, NULL, 16);
			found[i] = 1;
		}
	}
	for (size_t i = 0; i < c->n_kaddrs; i++)
		if (!found[i])
			err = diag_err(d, ENOENT, &c->kaddrs[i].at,
				       "kaddr \"%s\": no such symbol in %s", c->kaddrs[i].symbol,
				       path);
out:
	if (f)
		fclose(f);
	free(found);
	free(line);
	return err;
}

/* Find `kaddr_<sym>` in a .rodata/.data map of @obj and write @addr into its initial image. */
static int kaddr_write(struct bpf_object *obj, const char *var, unsigned long long addr)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	if (!btf)
		return -ENOENT;
	bpf_object__for_each_map(map, obj) {
		const char *mname = bpf_map__name(map);
		const struct btf_type *sec;
		const struct btf_var_secinfo *vs;
		__u32 tid;

		if (!bpf_map__is_internal(map) ||
		    (!strstr(mname, ".rodata") && !strstr(mname, ".data")))
			continue;
		tid = bpf_map__btf_value_type_id(map);
		sec = tid ? btf__type_by_id(btf, tid) : NULL;
		if (!sec || !btf_is_datasec(sec))
			continue;
		vs = btf_var_secinfos(sec);
		for (unsigned i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);
			const void *image;
			size_t size = 0;
			char *copy;
			int err;

			if (!v || strcmp(btf__name_by_offset(btf, v->name_off), var))
				continue;
			if (vs->size < 8)
				return -ERANGE;
			/* libbpf 1.1 hands out a const image: patch a copy and set it back */
			image = bpf_map__initial_value(map, &size);
			if (!image || vs->offset + 8 > size)
				return -ENOENT;
			copy = malloc(size);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, image, size);
			memcpy(copy + vs->offset, &addr, 8);
			err = bpf_map__set_initial_value(map, copy, size);
			free(copy);
			return err;
		}
	}
	return -ENOENT;
}

int attach_set_kaddrs(struct bpf_object *obj, const struct config *c, const char *kallsyms,
		      struct diag *d)
{
	unsigned long long *addrs;
	int err;

	if (!c->n_kaddrs)
		return 0;
	addrs = calloc(c->n_kaddrs, sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	err = kallsyms_find(kallsyms ? kallsyms : "/proc/kallsyms", c, addrs, d);
	for (size_t i = 0; i < c->n_kaddrs && !err; i++) {
		char var[256];
		int e;

		snprintf(var, sizeof(var), "kaddr_%s", c->kaddrs[i].symbol);
		e = kaddr_write(obj, var, addrs[i]);
		if (e == -ERANGE)
			err = diag_err(d, EINVAL, &c->kaddrs[i].at,
				       "kaddr \"%s\": variable %s is smaller than 8 bytes",
				       c->kaddrs[i].symbol, var);
		else if (e)
			err = diag_err(d, ENOENT, &c->kaddrs[i].at,
				       "kaddr \"%s\": the object has no variable %s (declare "
				       "`const volatile u64 %s = 0;`)",
				       c->kaddrs[i].symbol, var, var);
	}
	free(addrs);
	return err;
}

/* ---- attach ---- */

static int add_link(struct attach_prog *ap, struct bpf_link *link)
{
	struct bpf_link **l = realloc(ap->links, (ap->n_links + 1) * sizeof(*l));

	if (!l) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	ap->links = l;
	ap->links[ap->n_links++] = link;
	return 0;
}

/* Parse "0-3,5" (the online CPU list) into a bitmap of @max CPUs. */
static int online_cpus(unsigned char *online, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	char buf[4096];
	char *p;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	for (p = buf; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			return -EINVAL;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long i = a; i <= b && i < max; i++)
			online[i] = 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int parse_perf_spec(const char *spec, struct perf_event_attr *attr, char *why,
			   size_t why_len)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	for (item = strtok_r(copy, ",", &save); item && !err; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		unsigned long long v;

		if (!eq) {
			snprintf(why, why_len, "\"%s\" is not key=value", item);
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end) {
			snprintf(why, why_len, "%s=%s is not an integer", item, eq + 1);
			err = -EINVAL;
		} else if (!strcmp(item, "type")) {
			attr->type = (__u32)v;
		} else if (!strcmp(item, "config")) {
			attr->config = v;
		} else if (!strcmp(item, "frequency")) {
			attr->freq = 1;
			attr->sample_freq = v;
		} else {
			snprintf(why, why_len,
				 "unknown key \"%s\" (known: type, config, frequency)", item);
			err = -EINVAL;
		}
	}
	free(copy);
	return err;
}

static int attach_perf(struct attach_prog *ap, const char *spec, char *why, size_t why_len)
{
	unsigned char online[4096] = {0};
	struct perf_event_attr attr;
	int err, n = 0;

	err = parse_perf_spec(spec, &attr, why, why_len);
	if (err)
		return err;
	err = online_cpus(online, (int)sizeof(online));
	if (err) {
		snprintf(why, why_len, "cannot read online CPUs: %s", strerror(-err));
		return err;
	}
	for (int cpu = 0; cpu < (int)sizeof(online); cpu++) {
		struct bpf_link *link;
		int fd;

		if (!online[cpu])
			continue;
		fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			snprintf(why, why_len, "perf_event_open on CPU %d: %s", cpu,
				 strerror(errno));
			return err;
		}
		link = bpf_program__attach_perf_event(ap->prog, fd);
		if (!link) {
			err = -errno;
			close(fd);
			snprintf(why, why_len, "attach to perf event on CPU %d: %s", cpu,
				 strerror(-err));
			return err;
		}
		err = add_link(ap, link);
		if (err)
			return err;
		n++;
	}
	return n ? 0 : -ENODEV;
}

int attach_program(struct attach_prog *ap, struct bpf_program *prog, struct diag *d)
{
	const char *sec = bpf_program__section_name(prog);
	char why[256] = "";
	int err = 0;

	ap->prog = prog;
	if (starts_with(sec, PERF_PREFIX)) {
		err = attach_perf(ap, sec + strlen(PERF_PREFIX), why, sizeof(why));
	} else if (starts_with(sec, XDP_PREFIX)) {
		const char *ifname = sec + strlen(XDP_PREFIX);
		unsigned ifindex = if_nametoindex(ifname);
		struct bpf_link *link;

		if (!ifindex) {
			err = -ENODEV;
			snprintf(why, sizeof(why), "no interface \"%s\"", ifname);
		} else if (!(link = bpf_program__attach_xdp(prog, (int)ifindex))) {
			err = -errno;
			snprintf(why, sizeof(why), "attach to %s: %s", ifname, strerror(-err));
		} else {
			err = add_link(ap, link);
		}
	} else {
		struct bpf_link *link = bpf_program__attach(prog);

		if (!link) {
			err = -errno;
			if (err == -EOPNOTSUPP || err == -ESRCH)
				snprintf(why, sizeof(why),
					 "section \"%s\" cannot be attached automatically", sec);
			else if (err == -ENOENT &&
				 (starts_with(sec, "kprobe") || starts_with(sec, "kretprobe")))
				snprintf(why, sizeof(why),
					 "%s (does this kernel have kprobes? CONFIG_KPROBES)",
					 strerror(-err));
			else
				snprintf(why, sizeof(why), "%s", strerror(-err));
		} else {
			err = add_link(ap, link);
		}
	}
	if (err) {
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(-err));
		for (size_t i = 0; i < ap->n_links; i++)
			bpf_link__destroy(ap->links[i]);
		ap->n_links = 0;
		free(ap->error);
		ap->error = strdup(why);
		return diag_err(d, err, NULL, "program \"%s\" (section \"%s\"): attach: %s",
				bpf_program__name(prog), sec, why);
	}
	return 0;
}

void attach_prog_release(struct attach_prog *ap)
{
	if (!ap)
		return;
	for (size_t i = 0; i < ap->n_links; i++)
		bpf_link__destroy(ap->links[i]);
	free(ap->links);
	free(ap->error);
	*ap = (struct attach_prog){0};
}

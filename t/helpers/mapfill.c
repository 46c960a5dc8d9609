/*
 * mapfill: make pinned metric maps with known contents, for the map tests and benchmarks.
 *
 *   mapfill create --type=T --key-size=N --value-size=N --max-entries=N PIN < SPEC
 *       SPEC lines: KEYHEX VALUE [VALUE_CPU1 ...]; '#' starts a comment. KEYHEX is the
 *       key's bytes as stored (host order; '_' and ':' may separate bytes); values are
 *       u64 (decimal or 0x hex) put in the first 8 bytes of the value (of each CPU's slot
 *       for per-CPU maps; CPUs not given are 0).
 *   mapfill bulk --type=T --entries=N [--key-size=8] [--shift=S] [--or=X] PIN
 *       keys (i << S) | X for i in 0..N-1 as host-order integers, value i + 1 (per CPU:
 *       (i + 1) * (cpu + 1)), written with BPF_MAP_UPDATE_BATCH.
 *   mapfill manifest CONFIG.yaml NAME STATE_DIR PIN_DIR
 *       STATE_DIR/NAME.json for CONFIG.yaml, each metric's map at PIN_DIR/METRIC.
 *   mapfill read [--batch=N] [--per-key] PIN
 *       every entry through mapread, as "KEYHEX v0 [v1 ...]" lines, sorted.
 *   mapfill batchread [--batch=N] PIN
 *       the floor: bare BPF_MAP_LOOKUP_BATCH over the map, prints entries and value sum.
 *
 * T is hash, lru_hash, percpu_hash, lru_percpu_hash, array or percpu_array.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "manifest.h"
#include "mapkind.h"
#include "mapread.h"
#include "statedir.h"

struct opts {
	enum bpf_map_type type;
	unsigned key_size, value_size, max_entries;
	size_t entries, batch;
	unsigned shift;
	uint64_t or ;
	int per_key;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mapfill: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int is_percpu(enum bpf_map_type t)
{
	return mapkind_is_percpu(t);
}

static unsigned long long num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("%s: \"%s\" is not a number", what, s);
	return v;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"type", required_argument, NULL, 't'},
		{"key-size", required_argument, NULL, 'k'},
		{"value-size", required_argument, NULL, 'v'},
		{"max-entries", required_argument, NULL, 'm'},
		{"entries", required_argument, NULL, 'n'},
		{"batch", required_argument, NULL, 'b'},
		{"per-key", no_argument, NULL, 'p'},
		{"shift", required_argument, NULL, 's'},
		{"or", required_argument, NULL, 'o'},
		{0},
	};
	int c;

	*o = (struct opts){.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8};
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		unsigned type;

		switch (c) {
		case 't':
			if (!mapkind_metric_by_name(optarg, &type))
				die("--type: unknown map type \"%s\"", optarg);
			o->type = (enum bpf_map_type)type;
			break;
		case 'k': o->key_size = (unsigned)num(optarg, "--key-size"); break;
		case 'v': o->value_size = (unsigned)num(optarg, "--value-size"); break;
		case 'm': o->max_entries = (unsigned)num(optarg, "--max-entries"); break;
		case 'n': o->entries = (size_t)num(optarg, "--entries"); break;
		case 'b': o->batch = (size_t)num(optarg, "--batch"); break;
		case 'p': o->per_key = 1; break;
		case 's': o->shift = (unsigned)num(optarg, "--shift"); break;
		case 'o': o->or = num(optarg, "--or"); break;
		default: exit(2);
		}
	}
	return optind;
}

static size_t slot_len(const struct opts *o)
{
	return is_percpu(o->type) ? (o->value_size + 7u) & ~7u : o->value_size;
}

static int create_map(const struct opts *o, const char *pin)
{
	int fd;

	if (!o->max_entries)
		die("--max-entries is required");
	fd = bpf_map_create(o->type, "mapfill", o->key_size, o->value_size, o->max_entries, NULL);
	if (fd < 0)
		die("bpf_map_create: %s", strerror(errno));
	if (bpf_obj_pin(fd, pin))
		die("pin %s: %s", pin, strerror(errno));
	return fd;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void parse_key(const char *s, uint8_t *key, size_t key_size, unsigned line)
{
	size_t n = 0;

	for (; *s; s++) {
		int hi, lo;

		if (*s == '_' || *s == ':')
			continue;
		hi = hexval(s[0]);
		lo = s[1] ? hexval(s[1]) : -1;
		if (hi < 0 || lo < 0 || n == key_size)
			die("line %u: key must be %zu bytes of hex", line, key_size);
		key[n++] = (uint8_t)(hi << 4 | lo);
		s++;
	}
	if (n != key_size)
		die("line %u: key has %zu bytes, the map's keys %zu", line, n, key_size);
}

static int cmd_create(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(&o, argc, argv), fd, ncpu = 1;
	size_t slot, val_len;
	uint8_t *key, *val;
	char line[4096];
	unsigned lineno = 0;

	if (i != argc - 1)
		die("usage: mapfill create --type=T --key-size=N --value-size=N "
		    "--max-entries=N PIN < SPEC");
	if (is_percpu(o.type)) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			die("cannot count possible CPUs");
	}
	slot = slot_len(&o);
	val_len = slot * (size_t)ncpu;
	key = calloc(1, o.key_size);
	val = calloc(1, val_len);
	if (!key || !val)
		die("out of memory");
	fd = create_map(&o, argv[i]);
	while (fgets(line, sizeof(line), stdin)) {
		char *save = NULL, *tok, *hash = strchr(line, '#');
		int cpu = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		parse_key(tok, key, o.key_size, lineno);
		memset(val, 0, val_len);
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			uint64_t v = num(tok, "value");

			if (cpu == ncpu)
				die("line %u: more values than the %d possible CPUs", lineno, ncpu);
			memcpy(val + (size_t)cpu * slot, &v, sizeof(v));
			cpu++;
		}
		if (!cpu)
			die("line %u: no value", lineno);
		if (bpf_map_update_elem(fd, key, val, BPF_ANY))
			die("line %u: update: %s", lineno, strerror(errno));
	}
	close(fd);
	free(key);
	free(val);
	return 0;
}

static int cmd_bulk(int argc, char **argv)
{
	const size_t chunk = 65536;
	struct opts o;
	int i = parse_opts(&o, argc, argv), fd, ncpu = 1;
	size_t slot, val_len;
	uint8_t *keys, *vals;

	if (i != argc - 1 || !o.entries)
		die("usage: mapfill bulk --type=T --entries=N [--key-size=8] [--shift=S] "
		    "[--or=X] PIN");
	if (o.key_size != 4 && o.key_size != 8)
		die("bulk keys are 4 or 8 bytes");
	o.value_size = 8;
	if (!o.max_entries)
		o.max_entries = (unsigned)o.entries;
	if (is_percpu(o.type))
		ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		die("cannot count possible CPUs");
	slot = slot_len(&o);
	val_len = slot * (size_t)ncpu;
	keys = malloc(chunk * o.key_size);
	vals = calloc(chunk, val_len);
	if (!keys || !vals)
		die("out of memory");
	fd = create_map(&o, argv[i]);
	for (size_t base = 0; base < o.entries; base += chunk) {
		__u32 n = (__u32)(o.entries - base < chunk ? o.entries - base : chunk);

		for (size_t j = 0; j < n; j++) {
			uint64_t n_th = base + j, k = (n_th << o.shift) | o.or ;
			uint32_t k32 = (uint32_t)k;

			if (o.key_size == 8)
				memcpy(keys + j * 8, &k, 8);
			else
				memcpy(keys + j * 4, &k32, 4);
			for (int c = 0; c < ncpu; c++) {
				uint64_t v = (n_th + 1) * (uint64_t)(c + 1);

				memcpy(vals + j * val_len + (size_t)c * slot, &v, 8);
			}
		}
		if (bpf_map_update_batch(fd, keys, vals, &n, NULL))
			die("update batch at %zu: %s", base, strerror(errno));
	}
	close(fd);
	free(keys);
	free(vals);
	return 0;
}

static int cmd_manifest(int argc, char **argv)
{
	struct manifest m = {.schema = MANIFEST_SCHEMA, .loader_pid = (uint32_t)getpid()};
	struct diag d = {0};
	char path[PATH_MAX];
	int err;

	if (argc != 6)
		die("usage: mapfill manifest CONFIG.yaml NAME STATE_DIR PIN_DIR");
	err = config_parse_file(&m.config, argv[2], argv[3], &d);
	if (!err)
		err = manifest_sha256_file(argv[2], m.sha256, &d);
	if (err) {
		for (size_t i = 0; i < d.n_msgs; i++)
			fprintf(stderr, "mapfill: %s\n", d.msgs[i].text);
		exit(2);
	}
	m.object_path = argv[2];
	m.maps = calloc(m.config->n_metrics + 1, sizeof(*m.maps));
	if (!m.maps)
		die("out of memory");
	for (size_t i = 0; i < m.config->n_metrics; i++) {
		const struct config_metric *cm = &m.config->metrics[i];
		struct manifest_map *mm = &m.maps[m.n_maps];
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		int fd;

		if (cm->perf_event_array)
			continue;
		if (asprintf(&mm->pin_path, "%s/%s", argv[5], cm->name) < 0)
			die("out of memory");
		fd = bpf_obj_get(mm->pin_path);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			die("%s: %s", mm->pin_path, strerror(errno));
		close(fd);
		mm->metric = cm->name;
		mm->type = info.type;
		mm->key_size = info.key_size;
		mm->value_size = info.value_size;
		mm->max_entries = info.max_entries;
		mm->id = info.id;
		m.n_maps++;
	}
	if (statedir_config_path(path, sizeof(path), argv[4], argv[3], STATEDIR_MANIFEST, NULL))
		die("%s/%s: path too long", argv[4], argv[3]);
	err = manifest_write(&m, path, 0644, (gid_t)-1, &d);
	for (size_t i = 0; i < d.n_msgs; i++)
		fprintf(stderr, "mapfill: %s\n", d.msgs[i].text);
	for (size_t i = 0; i < m.n_maps; i++)
		free(m.maps[i].pin_path);
	free(m.maps);
	config_free(m.config);
	diag_release(&d);
	return err ? 2 : 0;
}

struct lines {
	char **v;
	size_t n, cap;
	size_t key_size, n_values;
};

static int collect(void *arg, const uint8_t *key, const uint64_t *values)
{
	struct lines *l = arg;
	size_t len = 2 * l->key_size + 21 * l->n_values + 1;
	char *s = malloc(len), *p = s;

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < l->key_size; i++)
		p += sprintf(p, "%02x", key[i]);
	for (size_t i = 0; i < l->n_values; i++)
		p += sprintf(p, " %llu", (unsigned long long)values[i]);
	if (l->n == l->cap) {
		char **v = realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof(*v));

		if (!v) {
			free(s);
			return -ENOMEM;
		}
		l->v = v;
	}
	l->v[l->n++] = s;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_read(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(&o, argc, argv), err;
	struct mapread *r = NULL;
	struct lines l = {0};
	struct diag d = {0};

	if (i != argc - 1)
		die("usage: mapfill read [--batch=N] [--per-key] PIN");
	err = mapread_open(&r, argv[i], &d);
	if (!err) {
		l.key_size = mapread_info(r)->key_size;
		l.n_values = mapread_info(r)->n_values;
		mapread_set_per_key(r, o.per_key);
		err = mapread_foreach(r, o.batch, collect, &l, &d);
	}
	for (size_t j = 0; j < d.n_msgs; j++)
		fprintf(stderr, "mapfill: %s\n", d.msgs[j].text);
	qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	for (size_t j = 0; j < l.n; j++) {
		puts(l.v[j]);
		free(l.v[j]);
	}
	free(l.v);
	mapread_close(r);
	diag_release(&d);
	return err ? 1 : 0;
}

/* The least a reader has to do: batches of keys and values, every u64 touched once. */
static int cmd_batchread(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(&o, argc, argv), fd, ncpu = 1, first = 1;
	struct bpf_map_info info = {0};
	__u32 info_len = sizeof(info);
	size_t batch, slot, val_len, total = 0;
	uint64_t in_tok = 0, out_tok = 0, sum = 0;
	uint8_t *keys, *vals;

	if (i != argc - 1)
		die("usage: mapfill batchread [--batch=N] PIN");
	fd = bpf_obj_get(argv[i]);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_len))
		die("%s: %s", argv[i], strerror(errno));
	if (is_percpu(info.type))
		ncpu = libbpf_num_possible_cpus();
	slot = is_percpu(info.type) ? (info.value_size + 7u) & ~7u : info.value_size;
	val_len = slot * (size_t)ncpu;
	batch = o.batch ? o.batch : 4096;
	keys = malloc(batch * info.key_size);
	vals = malloc(batch * val_len);
	if (!keys || !vals)
		die("out of memory");
	for (;;) {
		__u32 n = (__u32)batch;
		int ret = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok, keys, vals, &n,
					       NULL);

		if (ret && errno != ENOENT)
			die("lookup batch: %s", strerror(errno));
		for (__u32 j = 0; j < n; j++)
			for (int c = 0; c < ncpu; c++) {
				uint64_t v;

				memcpy(&v, vals + j * val_len + (size_t)c * slot, 8);
				sum += v;
			}
		total += n;
		if (ret)
			break;
		in_tok = out_tok;
		first = 0;
	}
	printf("%zu entries, sum %llu\n", total, (unsigned long long)sum);
	close(fd);
	free(keys);
	free(vals);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mapfill create|bulk|manifest|read|batchread ...");
	if (!strcmp(argv[1], "create"))
		return cmd_create(argc, argv);
	if (!strcmp(argv[1], "bulk"))
		return cmd_bulk(argc, argv);
	if (!strcmp(argv[1], "manifest"))
		return cmd_manifest(argc, argv);
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc, argv);
	if (!strcmp(argv[1], "batchread"))
		return cmd_batchread(argc, argv);
	die("unknown command \"%s\"", argv[1]);
}

/*
 * fuzz/config: config_parse_buf() on arbitrary bytes never crashes, leaks or hangs, and keeps
 * its contract: success gives a config and no error, failure gives NULL and at least one
 * message. The input may hold up to four YAML files separated by a form feed line
 * ("\n\f\n"); the configs that parse are then checked together with config_check_set(),
 * and their labels with decode_check_label() (decoder names, regexps), as the loader does.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "decode.h"
#include "fuzz.h"

#define MAX_FILES 4

static void check_config(const struct config *c)
{
	for (size_t i = 0; i < c->n_metrics; i++) {
		const struct config_metric *m = &c->metrics[i];
		struct diag d = {0};

		FUZZ_ASSERT(m->name && m->name[0], "metric %zu has no name", i);
		FUZZ_ASSERT(config_metric_n_exported_labels(m) <= m->n_labels,
			    "metric \"%s\" exports more labels than it has", m->name);
		(void)config_metric_key_size(m); /* only its arithmetic is exercised */
		(void)config_hist_kind_name(m->bucket_type);
		for (size_t l = 0; l < m->n_labels; l++) {
			FUZZ_ASSERT(m->labels[l].name, "metric \"%s\": label %zu has no name",
				    m->name, l);
			if (decode_check_label(&m->labels[l], &d) < 0)
				FUZZ_ASSERT(d.n_errors > 0, "decode_check_label failed silently");
		}
		diag_release(&d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[MAX_FILES] = {"a", "b", "c", "d"};
	struct config *cfgs[MAX_FILES];
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0, n_files = 0;
	struct diag d = {0};

	while (n_files < MAX_FILES) {
		const char *sep = n_files + 1 < MAX_FILES ? memmem(p, end - p, "\n\f\n", 3) : NULL;
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		struct config *c = (struct config *)1;
		size_t errors_before = d.n_errors;
		int err;

		err = config_parse_buf(&c, p, len, "fuzz.yaml", names[n_files], &d);
		if (err) {
			FUZZ_ASSERT(err < 0, "config_parse_buf returned %d", err);
			FUZZ_ASSERT(c == NULL, "failed parse left *out set");
			FUZZ_ASSERT(d.n_errors > errors_before, "failed parse without a message");
		} else {
			FUZZ_ASSERT(c != NULL, "successful parse gave no config");
			FUZZ_ASSERT(d.n_errors == errors_before, "successful parse with errors");
			FUZZ_ASSERT(!strcmp(c->name, names[n_files]), "name not from the caller");
			check_config(c);
			cfgs[n++] = c;
		}
		n_files++;
		if (!sep)
			break;
		p = sep + 3;
	}
	if (n) {
		size_t errors_before = d.n_errors;
		int err = config_check_set(cfgs, n, &d);

		FUZZ_ASSERT(err <= 0, "config_check_set returned %d", err);
		FUZZ_ASSERT(!err || d.n_errors > errors_before, "check_set failed silently");
		/* The same config twice always defines its metrics twice. */
		if (cfgs[0]->n_metrics) {
			struct config *twice[2] = {cfgs[0], cfgs[0]};

			FUZZ_ASSERT(config_check_set(twice, 2, &d) < 0,
				    "a config checked against itself passes");
		}
	}
	while (n)
		config_free(cfgs[--n]);
	diag_release(&d);
	return 0;
}

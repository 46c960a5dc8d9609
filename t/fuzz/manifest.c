/*
 * fuzz/manifest: manifest_parse() on arbitrary bytes never crashes or leaks, fails with a
 * message, and whatever it accepts survives a round trip: dump(parse(x)) parses again and
 * dumps to the same text (the loader writes with manifest_dump(), the reader reads with
 * manifest_parse(); a manifest that changes on the way would decode maps differently).
 * Every name it accepts passes the loader's rule (promname) and appears once: the reader
 * prints them into .prom files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"
#include "promname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest *m = NULL, *m2 = NULL;
	char *text = NULL, *text2 = NULL;
	struct diag d = {0};
	int err;

	err = manifest_parse(&m, (const char *)data, size, "fuzz.json", &d);
	if (err) {
		FUZZ_ASSERT(err < 0, "manifest_parse returned %d", err);
		FUZZ_ASSERT(!m, "failed parse left *out set");
		FUZZ_ASSERT(d.n_errors > 0, "failed parse without a message");
		diag_release(&d);
		return 0;
	}
	FUZZ_ASSERT(m && m->config, "successful parse without a config");
	FUZZ_ASSERT(m->n_maps <= m->config->n_metrics, "%zu maps for %zu metrics", m->n_maps,
		    m->config->n_metrics);
	FUZZ_ASSERT(!promname_check_config(m->config->name, NULL, 0), "config name accepted");
	for (size_t i = 0; i < m->config->n_metrics; i++) {
		const struct config_metric *cm = &m->config->metrics[i];

		(void)manifest_find_map(m, cm->name);
		FUZZ_ASSERT(!promname_check_metric(cm->name, NULL, 0), "bad metric name accepted");
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(m->config->metrics[j].name, cm->name),
				    "metric \"%s\" accepted twice", cm->name);
		for (size_t k = 0; k < cm->n_labels; k++) {
			FUZZ_ASSERT(!promname_check_label(cm->labels[k].name, NULL, 0),
				    "bad label name accepted");
			for (size_t j = 0; j < k; j++)
				FUZZ_ASSERT(strcmp(cm->labels[j].name, cm->labels[k].name),
					    "label \"%s\" accepted twice", cm->labels[k].name);
		}
	}
	for (size_t i = 0; i < m->n_maps; i++)
		FUZZ_ASSERT(manifest_find_map(m, m->maps[i].metric) != NULL,
			    "map %zu (\"%s\") is not found by its metric", i, m->maps[i].metric);

	err = manifest_dump(m, &text, &d);
	FUZZ_ASSERT(!err, "a parsed manifest does not dump: %s", diag_last(&d));
	FUZZ_ASSERT(text && strlen(text) > 0 && text[strlen(text) - 1] == '\n',
		    "dump does not end in a newline");

	err = manifest_parse(&m2, text, strlen(text), "fuzz-dump.json", &d);
	FUZZ_ASSERT(!err, "a dumped manifest does not parse: %s\n%s", diag_last(&d), text);
	err = manifest_dump(m2, &text2, &d);
	FUZZ_ASSERT(!err, "the second dump fails: %s", diag_last(&d));
	FUZZ_ASSERT(!strcmp(text, text2), "round trip changed the manifest:\n%s\n---\n%s", text,
		    text2);
	FUZZ_ASSERT(m2->n_maps == m->n_maps && m2->n_progs == m->n_progs &&
			    m2->config->n_metrics == m->config->n_metrics,
		    "round trip changed the counts");

	free(text2);
	free(text);
	manifest_free(m2);
	manifest_free(m);
	diag_release(&d);
	return 0;
}

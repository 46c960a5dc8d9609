/*
 * promname: the rule for metric, label and config names, shared by the loader (config.c,
 * loader.c) and the reader (manifest.c). It knows nothing of YAML, JSON or BPF: callers
 * put the reason into their own messages, with their own positions.
 */
#include "promname.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Families ebpf_exporter itself exports: a config metric of the same name would clash. */
static const char *const builtin_names[] = {
	"enabled_configs",
	"ebpf_program_info",
	"ebpf_program_attached",
	"ebpf_program_run_time_seconds",
	"ebpf_program_run_count_total",
	"decoder_errors_total",
	"build_info",
};

bool promname_is_ident(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static int why_fail(char *why, size_t why_len, const char *fmt, const char *name)
{
	if (why && why_len)
		snprintf(why, why_len, fmt, name);
	return -EINVAL;
}

int promname_check_metric(const char *name, char *why, size_t why_len)
{
	if (!name || !promname_is_ident(name))
		return why_fail(why, why_len,
				"%snot a valid metric name (letters, digits and _, "
				"not starting with a digit; it is also the map name)",
				"");
	for (size_t i = 0; i < sizeof(builtin_names) / sizeof(builtin_names[0]); i++)
		if (!strcmp(name, builtin_names[i]))
			return why_fail(why, why_len,
					PROMNAME_METRIC_PREFIX "%s is a built-in metric", name);
	return 0;
}

int promname_check_label(const char *name, char *why, size_t why_len)
{
	if (!name || !promname_is_ident(name))
		return why_fail(why, why_len,
				"%snot a valid label name (letters, digits and _, "
				"not starting with a digit)",
				"");
	if (!strncmp(name, "__", 2))
		return why_fail(why, why_len,
				"%slabel names starting with __ are reserved by Prometheus", "");
	return 0;
}

int promname_check_config(const char *name, char *why, size_t why_len)
{
	size_t len = name ? strlen(name) : 0;

	if (!len || name[0] == '.' || len > PROMNAME_CONFIG_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
		    len)
		return why_fail(why, why_len,
				"%snot a valid config name (letters, digits, _, - "
				"and ., not starting with .; it names NAME.yaml and "
				"ebpfexp_NAME.prom)",
				"");
	return 0;
}

void promname_quote(char *out, size_t out_len, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (out_len < 8) {
		if (out_len)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (const unsigned char *s = (const unsigned char *)(name ? name : ""); *s; s++) {
		char e[5] = {0};

		if (*s == '\n')
			memcpy(e, "\\n", 2);
		else if (*s == '"' || *s == '\\')
			e[0] = '\\', e[1] = (char)*s;
		else if (*s < 0x20 || *s == 0x7f)
			e[0] = '\\', e[1] = 'x', e[2] = hex[*s >> 4], e[3] = hex[*s & 15];
		else
			e[0] = (char)*s;
		/* room for this, and for a closing ...", and the NUL */
		if (o + strlen(e) + 5 > out_len) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, e, strlen(e));
		o += strlen(e);
	}
	out[o++] = '"';
	out[o] = '\0';
}

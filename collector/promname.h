/*
 * promname: the one rule for the names ebpfexp prints into a .prom file or a file name:
 * metric, label and config names. The loader applies it to the YAML, the reader to every
 * manifest it reads, so that nothing the reader trusts can inject text into a .prom file
 * or make node_exporter drop one. Label values and HELP text are escaped, not checked.
 */
#ifndef EBPFEXP_PROMNAME_H
#define EBPFEXP_PROMNAME_H
#include <stdbool.h>
#include <stddef.h>

/* ebpf_exporter prefixes every configured metric name with this [compat]. */
#define PROMNAME_METRIC_PREFIX "ebpf_exporter_"

/*
 * Each returns 0 when @name is valid, else -EINVAL with the reason in @why (at most
 * @why_len bytes, NUL-terminated), phrased to follow "name: ", e.g.
 * "not a valid metric name (letters, digits and _, not starting with a digit; ...)".
 *
 * metric: letters, digits and _, not starting with a digit (it is also the BPF map name),
 *         and not a built-in ebpf_exporter family;
 * label:  letters, digits and _, not starting with a digit nor with __ (Prometheus's);
 * config: letters, digits, _, - and ., not starting with . (it is NAME.yaml, NAME.json,
 *         ebpfexp_NAME.prom and the config="NAME" label), at most PROMNAME_CONFIG_MAX bytes.
 */
#define PROMNAME_CONFIG_MAX 200
/* Letters, digits and _, not starting with a digit: a C identifier, and the base rule. */
bool promname_is_ident(const char *s);
int promname_check_metric(const char *name, char *why, size_t why_len);
int promname_check_label(const char *name, char *why, size_t why_len);
int promname_check_config(const char *name, char *why, size_t why_len);

/*
 * @name quoted for a message, whatever it holds: "name" with \n, \", \\ and \xHH escapes,
 * cut short with ... to fit @out_len (at least 8 bytes).
 */
void promname_quote(char *out, size_t out_len, const char *name);

#endif

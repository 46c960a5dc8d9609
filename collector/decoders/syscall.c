/*
 * syscall: a decimal text -> the syscall name of the build architecture (§6.7, appendix
 * B): strace 6.8's handler names, as ebpf_exporter ships them; unknown numbers ->
 * "unknown_syscall:<n>".
 */
#include "decoders.h"

#include "syscall_table.h"

int syscall_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		   size_t len, struct strbuf *out, struct diag *d)
{
	const size_t n_names = sizeof(syscall_table_names) / sizeof(syscall_table_names[0]);
	int64_t v;
	int err;

	(void)ctx;
	(void)dec;
	err = decoders_atoi_diag(in, len, &v, d);
	if (err)
		return err;
	if (v >= 0 && (uint64_t)v < n_names && syscall_table_names[v])
		return strbuf_addstr(out, syscall_table_names[v]);
	err = strbuf_add(out, "unknown_syscall:", 16);
	if (!err)
		err = decoders_add_i64(out, v);
	return err;
}

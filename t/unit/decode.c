/*
 * decode: every decoder turns the same bytes into the same text as ebpf_exporter (reference
 * §6), unknown values read as ebpf_exporter writes them, bad input is an error with a
 * message and never a crash, chains feed each output to the next decoder, and lookup
 * sources come from the files named in struct decode_opts (fixtures in t/data/decode).
 */
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

#define DATA "t/data/decode/"
#define MAX_CHAIN 4

static struct decode_ctx *ctx;
static struct strbuf result;
static struct diag diag;
static char tmpdir[] = "/tmp/ebpfexp-decode.XXXXXX";

/* A label "l" of plain decoders named in a list ("uint,errno"). */
struct chain {
	struct config_decoder decs[MAX_CHAIN];
	char names[MAX_CHAIN][32];
	struct config_label l;
};

static struct config_label *chain_init(struct chain *c, const char *names)
{
	const char *p = names;

	memset(c, 0, sizeof(*c));
	c->l = (struct config_label){.name = "l", .size = 8, .decoders = c->decs};
	while (*p && c->l.n_decoders < MAX_CHAIN) {
		size_t n = strcspn(p, ","), i = c->l.n_decoders++;

		snprintf(c->names[i], sizeof(c->names[i]), "%.*s", (int)n, p);
		c->decs[i].name = c->names[i];
		c->decs[i].kind = decoderkind_find(c->names[i]);
		p += n + (p[n] == ',');
	}
	return &c->l;
}

/* Run @l over @in: its text, "SKIP", or "error: <message>". */
static const char *run_label(struct decode_ctx *c, const struct config_label *l, const void *in,
			     size_t len)
{
	int err;

	diag_clear(&diag);
	err = decode_label(c, l, in, len, &result, &diag);
	if (err == DECODE_SKIP)
		return "SKIP";
	if (err) {
		strbuf_reset(&result);
		strbuf_addf(&result, "error: %s", diag_last(&diag));
	}
	return strbuf_str(&result);
}

/* One chain of plain decoders (no static_map or regexps) over @in. */
static const char *run(const char *names, const void *in, size_t len)
{
	struct chain c;

	return run_label(ctx, chain_init(&c, names), in, len);
}

static const char *run_s(const char *names, const char *in)
{
	return run(names, in, strlen(in));
}

static const char *run_u64(const char *names, uint64_t v)
{
	return run(names, &v, sizeof(v));
}

static const char *run_u32(const char *names, uint32_t v)
{
	return run(names, &v, sizeof(v));
}

static const char *run_re(const char *in, size_t n, ...)
{
	struct config_decoder dec = {
		.name = "regexp", .kind = DECODER_REGEXP, .has_regexps = true, .n_regexps = n};
	struct config_label l = {.name = "l", .size = 8, .n_decoders = 1, .decoders = &dec};
	char *pats[8];
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n && i < 8; i++)
		pats[i] = va_arg(ap, char *);
	va_end(ap);
	dec.regexps = pats;
	return run_label(ctx, &l, in, strlen(in));
}

/* Decoders run by kind, the parser's or the manifest reader's; every kind has a decoder. */
static void test_kinds(void)
{
	struct config_decoder dec = {0};
	struct config_label l = {.name = "l", .size = 8, .n_decoders = 1, .decoders = &dec};
	uint64_t v = 0x4142;
	int every = 1;

	for (int k = DECODER_UNKNOWN + 1; k < DECODER_N_KINDS; k++) {
		dec = (struct config_decoder){.kind = (enum decoder_kind)k};
		dec.name = (char *)decoderkind_info(dec.kind)->name;
		if (strstr(run_label(ctx, &l, &v, sizeof(v)), "unknown decoder"))
			every = 0;
	}
	ok(every, "every kind has its decoder");
	dec = (struct config_decoder){.name = "uint", .kind = DECODER_HEX};
	is_str(run_label(ctx, &l, &v, sizeof(v)), "4241000000000000",
	       "the kind decides which decoder runs, not the name");
	dec = (struct config_decoder){.name = "zzzz", .kind = DECODER_N_KINDS};
	is_str(run_label(ctx, &l, &v, sizeof(v)), "error: label \"l\": unknown decoder \"zzzz\"",
	       "a kind out of range is unknown too");
}

static void test_uint(void)
{
	uint8_t b1 = 200;
	uint16_t b2 = 65535;
	uint32_t b4 = 4000000000u;
	uint8_t b3[3] = {1, 2, 3};

	is_str(run("uint", &b1, 1), "200", "uint: 1 byte");
	is_str(run("uint", &b2, 2), "65535", "uint: 2 bytes, host order");
	is_str(run("uint", &b4, 4), "4000000000", "uint: 4 bytes");
	is_str(run_u64("uint", UINT64_MAX), "18446744073709551615", "uint: 8 bytes, unsigned max");
	is_str(run_u64("uint", 0), "0", "uint: zero is \"0\"");
	is_str(run("uint", b3, 3),
	       "error: label \"l\": decoder \"uint\": input is 3 bytes; expected 1, 2, 4 or 8",
	       "uint: 3 bytes is an error naming label, decoder and sizes");
	like(run("uint", "", 0), "input is 0 bytes", "uint: empty input is an error");
	is_int(diag.n_errors, 1, "an error is counted once in the diag");
}

static void test_string_hex(void)
{
	char big[300];
	char hexbig[601];
	size_t i;

	is_str(run("string", "abc\0def", 7), "abc", "string: cut at the first NUL");
	is_str(run("string", "abc", 3), "abc", "string: no NUL takes everything");
	is_str(run("string", "\0abc", 4), "", "string: leading NUL gives empty");
	is_str(run("string", "", 0), "", "string: empty input gives empty");
	memset(big, 'x', sizeof(big));
	ok(strlen(run("string", big, sizeof(big))) == sizeof(big), "string: 300 bytes, no NUL");
	is_str(run("string", "a\xff\xfe", 3), "a\xff\xfe", "string: invalid UTF-8 passes through");

	is_str(run("hex", "\x00\xab\xff\x10", 4), "00abff10", "hex: lowercase, two digits a byte");
	is_str(run("hex", "", 0), "", "hex: empty input gives empty");
	for (i = 0; i < sizeof(big); i++) {
		big[i] = (char)0xa5;
		memcpy(hexbig + 2 * i, "a5", 2);
	}
	hexbig[600] = '\0';
	is_str(run("hex", big, sizeof(big)), hexbig, "hex: 300 bytes");
}

static void test_inet_ip(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
		const char *title;
	} cases[] = {
		{"\x0a\x00\x00\x01", 4, "10.0.0.1", "4 bytes: dotted quad"},
		{"\xff\xff\xff\xff", 4, "255.255.255.255", "4 bytes: broadcast"},
		{"\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\xa8\x01\x02", 16, "192.168.1.2",
		 "IPv4-mapped IPv6 prints as IPv4"},
		{"\0\0\0\0\0\0\0\0\0\0\0\0\x01\x02\x03\x04", 16, "::102:304",
		 "IPv4-compatible is not special"},
		{"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, "::1", "loopback"},
		{"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, "::", "all zero"},
		{"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16, "2001:db8::1",
		 "RFC 5952: no leading zeros, longest zero run"},
		{"\0\x01\0\0\0\0\0\x02\0\0\0\0\0\0\0\x03", 16, "1:0:0:2::3",
		 "the longest zero run wins"},
		{"\0\x01\0\0\0\0\0\x02\0\0\0\0\0\x03\0\x04", 16, "1::2:0:0:3:4",
		 "of equal runs the first wins"},
		{"\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0", 16, "1:0:1:0:1:0:1:0",
		 "a single zero group stays 0"},
		{"\xfe\x80\0\0\0\0\0\0\xab\xcd\0\0\0\0\0\0", 16, "fe80::abcd:0:0:0",
		 "lowercase hex"},
		{"\x01\x02\x03\x04\x05", 5, "?0102030405", "5 bytes: '?' and hex"},
		{"", 0, "<nil>", "empty: Go's \"<nil>\""},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(run("inet_ip", cases[i].in, cases[i].len), cases[i].want, "inet_ip: %s",
		       cases[i].title);
}

static void test_dname(void)
{
	is_str(run("dname", "", 0), ".", "dname: empty input is \".\"");
	is_str(run("dname",
		   "\x07"
		   "example\x03"
		   "com\x00",
		   13),
	       "example.com.", "dname: the terminator becomes a trailing dot");
	is_str(run("dname",
		   "\x03"
		   "com\0\0\0",
		   7),
	       "com...", "dname: padding gives more dots");
	is_str(run("dname", "\x00", 1), "", "dname: a lone zero gives empty");
	is_str(run("dname",
		   "\x05"
		   "ab",
		   3),
	       "\x05"
	       "ab",
	       "dname: a length past the end returns the input unchanged");
	is_str(run("string,dname",
		   "\x07"
		   "example\x03"
		   "com\0\0\0\0",
		   17),
	       "example.com", "chain string -> dname drops the terminator and padding");
}

static void test_errno_syscall(void)
{
	uint32_t e = 110;

	is_str(run_s("errno", "1"), "EPERM", "errno: 1");
	is_str(run_s("errno", "11"), "EAGAIN", "errno: 11 is EAGAIN");
	is_str(run_s("errno", "35"), "EDEADLK", "errno: 35 is EDEADLK");
	is_str(run_s("errno", "95"), "ENOTSUP", "errno: 95 is Go's ENOTSUP");
	is_str(run_s("errno", "117"), "EFSCORRUPTED", "errno: 117 is Go's EFSCORRUPTED");
	is_str(run_s("errno", "133"), "EHWPOISON", "errno: 133, the last");
	is_str(run_s("errno", "0"), "unknown:0", "errno: 0 is unknown");
	is_str(run_s("errno", "41"), "unknown:41", "errno: the gap at 41");
	is_str(run_s("errno", "134"), "unknown:134", "errno: past the table");
	is_str(run_s("errno", "18446744073709551615"), "unknown:18446744073709551615",
	       "errno: u64 max parses");
	like(run_s("errno", "-1"), "decoder \"errno\": input \"-1\" is not an unsigned",
	     "errno: a sign is an error (ParseUint)");
	like(run_s("errno", "+1"), "is not an unsigned", "errno: '+' is an error too");
	like(run_s("errno", "18446744073709551616"), "error:", "errno: past u64 is an error");
	like(run_s("errno", ""), "input \"\" is not", "errno: empty input is an error");
	is_str(run_u32("uint,errno", e), "ETIMEDOUT", "chain uint -> errno");

#if defined(__x86_64__)
	is_str(run_s("syscall", "0"), "read", "syscall amd64: 0 read");
	is_str(run_s("syscall", "7"), "poll_time64", "syscall amd64: strace's handler name");
	is_str(run_s("syscall", "17"), "pread", "syscall amd64: 17 pread, not pread64");
	is_str(run_s("syscall", "334"), "rseq", "syscall amd64: 334 rseq");
	is_str(run_s("syscall", "335"), "unknown_syscall:335", "syscall amd64: gap at 335");
	is_str(run_s("syscall", "424"), "pidfd_send_signal", "syscall amd64: 424");
	is_str(run_s("syscall", "461"), "lsm_list_modules", "syscall amd64: last");
#elif defined(__aarch64__)
	is_str(run_s("syscall", "0"), "io_setup", "syscall arm64: 0 io_setup");
	is_str(run_s("syscall", "6"), "setxattr", "syscall arm64: strace's handler name");
	is_str(run_s("syscall", "4"), "io_getevents_time64", "syscall arm64: 4");
	is_str(run_s("syscall", "293"), "rseq", "syscall arm64: 293 rseq");
	is_str(run_s("syscall", "244"), "unknown_syscall:244", "syscall arm64: gap at 244");
	is_str(run_s("syscall", "424"), "pidfd_send_signal", "syscall arm64: 424");
	is_str(run_s("syscall", "461"), "lsm_list_modules", "syscall arm64: last");
#endif
	is_str(run_s("syscall", "462"), "unknown_syscall:462", "syscall: past the table");
	is_str(run_s("syscall", "-1"), "unknown_syscall:-1", "syscall: Atoi takes a sign");
	{
		char *three = strdup(run_s("syscall", "3"));

		is_str(run_s("syscall", "+3"), three, "syscall: '+3' is 3");
		is_str(run_s("syscall", "003"), three, "syscall: leading zeros are fine");
		free(three);
	}
	like(run_s("syscall", "9223372036854775808"), "out of range",
	     "syscall: past int64 is an error");
	like(run_s("syscall", "abc"), "input \"abc\" is not a decimal integer",
	     "syscall: text is an error");
	like(run_s("syscall", "1 "), "is not a decimal", "syscall: no trailing space allowed");
	like(run_s("syscall", "+"), "is not a decimal", "syscall: a bare sign is an error");
}

static void test_static_map(void)
{
	struct config_static_entry map[] = {
		{"1", "read"}, {"2", "write"}, {"3", ""}, {"0x10", "hex"}, {"2", "write again"}};
	struct config_decoder decs[2] = {{.name = "uint", .kind = DECODER_UINT},
					 {.name = "static_map",
					  .kind = DECODER_STATIC_MAP,
					  .has_static_map = true,
					  .n_static = 5,
					  .static_map = map}};
	struct config_label l = {.name = "op", .size = 1, .n_decoders = 2, .decoders = decs};
	struct config_label sm = {.name = "op", .size = 1, .n_decoders = 1, .decoders = &decs[1]};
	uint8_t v;

	v = 1;
	is_str(run_label(ctx, &l, &v, 1), "read", "chain uint -> static_map: found");
	v = 2;
	is_str(run_label(ctx, &l, &v, 1), "write again", "static_map: the later equal key wins");
	v = 3;
	is_str(run_label(ctx, &l, &v, 1), "", "static_map: a null value maps to empty");
	v = 16;
	is_str(run_label(ctx, &l, &v, 1), "unknown:16",
	       "static_map: \"0x10\" never matches uint's decimal text");
	decs[1].allow_unknown = true;
	is_str(run_label(ctx, &l, &v, 1), "16", "static_map: allow_unknown passes the input");
	decs[1].allow_unknown = false;
	decs[1].n_static = 0;
	is_str(run_label(ctx, &l, &v, 1), "unknown:16", "static_map: an empty map finds nothing");
	decs[1].has_static_map = false;
	is_str(run_label(ctx, &l, &v, 1), "empty mapping", "static_map: no map at all");
	decs[1].has_static_map = true;
	decs[1].n_static = 5;
	ok(strcmp(run_label(ctx, &sm, "1\0", 2), "unknown:1") == 0 && result.len == 10,
	   "static_map: keys compare byte for byte (a NUL does not end the input)");
	is_str(run_label(ctx, &sm, "", 0), "unknown:", "static_map: empty input");
}

static void test_ksym_kstack(void)
{
	struct decode_opts o = {.kallsyms_path = DATA "kallsyms", .ksym_unknown_addr = true};
	struct decode_ctx *c;
	uint64_t stack[20] = {0};
	uint64_t a;
	char buf[16];
	struct chain c1, c2;
	struct config_label *ksym = chain_init(&c1, "ksym");
	struct config_label *kstack = chain_init(&c2, "kstack");

	decode_ctx_new(&c, &o);
	a = 0xffffffff81001000;
	is_str(run_label(c, ksym, &a, 8), "do_one_initcall", "ksym: exact address");
	a = 0xffffffff81000000;
	is_str(run_label(c, ksym, &a, 8), "startup_64",
	       "ksym: of symbols at one address the last in the file wins");
	a = 0xffffffffc0002000;
	is_str(run_label(c, ksym, &a, 8), "commit_timeout\t[jbd2]",
	       "ksym: module symbols keep \"\\t[module]\"");
	a = 0xffffffffc0001000;
	is_str(run_label(c, ksym, &a, 8), "jbd2_journal_start\t[jbd2]",
	       "ksym: out-of-order module lines are sorted");
	a = 0xffffffffc0004000;
	is_str(run_label(c, ksym, &a, 8), "two", "ksym: the name is the third space field");
	a = 0xffffffff81001001;
	is_str(run_label(c, ksym, &a, 8), "unknown_addr:0xffffffff81001001",
	       "ksym: inexact is unknown, lowercase hex");
	a = 0x10;
	is_str(run_label(c, ksym, &a, 8), "unknown_addr:0x10", "ksym: no zero padding");
	memcpy(buf, &(uint64_t){0xffffffff81002000}, 8);
	memset(buf + 8, 0xee, 8);
	is_str(run_label(c, ksym, buf, 16), "vfs_read", "ksym: bytes past 8 are ignored");
	like(run_label(c, ksym, buf, 7), "decoder \"ksym\": input is 7 bytes; expected at least 8",
	     "ksym: short input is an error, not a crash");

	stack[0] = 0xffffffff81002050;
	stack[1] = 0xffffffff81001000;
	stack[2] = 0xffffffffc0002010;
	stack[3] = 0x1000;
	is_str(run_label(c, kstack, stack, sizeof(stack)),
	       "vfs_read\ndo_one_initcall\ncommit_timeout\t[jbd2]\n??",
	       "kstack: nearest lower symbol per frame, ?? below all, stops at zero");
	stack[0] = 0;
	is_str(run_label(c, kstack, stack, sizeof(stack)), "", "kstack: first frame zero: empty");
	is_str(run_label(c, kstack, stack, 12), "",
	       "kstack: a zero frame before a short tail is fine");
	stack[0] = 0xffffffffffffffff;
	is_str(run_label(c, kstack, stack, 8), "two", "kstack: above all is the last symbol");
	like(run_label(c, kstack, stack, 12), "12 bytes, not a multiple of 8",
	     "kstack: a short tail is an error, not a crash");
	for (int i = 0; i < 20; i++)
		stack[i] = 0xffffffff81000000 + 0x1000 * (uint64_t)(i % 3);
	ok(strlen(run_label(c, kstack, stack, 160)) > 100 && !strchr(strbuf_str(&result), '?'),
	   "kstack: 20 full frames (size 160)");
	decode_ctx_free(c);

	o.kallsyms_path = DATA "kallsyms-zero";
	decode_ctx_new(&c, &o);
	a = 0xffffffff81001000;
	is_str(run_label(c, ksym, &a, 8), "unknown_addr:0xffffffff81001000",
	       "ksym: kallsyms without addresses (no CAP_SYSLOG) gives unknown");
	stack[0] = 0xffffffff81001000;
	stack[1] = 0;
	is_str(run_label(c, kstack, stack, 16), "vfs_read",
	       "kstack: without addresses every frame is one symbol");
	decode_ctx_free(c);

	o.kallsyms_path = DATA "kallsyms-bad";
	decode_ctx_new(&c, &o);
	like(run_label(c, ksym, &a, 8), "kallsyms-bad:2: bad address \"xyz\"",
	     "ksym: a bad address in kallsyms is an error naming the line");
	decode_ctx_free(c);

	o.kallsyms_path = DATA "missing";
	decode_ctx_new(&c, &o);
	like(run_label(c, ksym, &a, 8), "open t/data/decode/missing: No such file",
	     "ksym: missing kallsyms is an error naming the file");
	decode_ctx_free(c);

	/* the loader's snapshot, for a reader that cannot see addresses */
	o.kallsyms_fallback = DATA "kallsyms";
	o.kallsyms_path = DATA "kallsyms-zero";
	decode_ctx_new(&c, &o);
	is_str(run_label(c, ksym, &a, 8), "do_one_initcall",
	       "ksym: addresses hidden: the fallback resolves them");
	decode_ctx_free(c);
	o.kallsyms_path = DATA "missing";
	decode_ctx_new(&c, &o);
	is_str(run_label(c, ksym, &a, 8), "do_one_initcall",
	       "ksym: kallsyms unreadable: the fallback resolves them");
	decode_ctx_free(c);
	o.kallsyms_path = DATA "kallsyms";
	o.kallsyms_fallback = DATA "kallsyms-zero";
	decode_ctx_new(&c, &o);
	a = 0xffffffff81002000;
	is_str(run_label(c, ksym, &a, 8), "vfs_read", "ksym: visible addresses: no fallback");
	decode_ctx_free(c);
	o.kallsyms_path = DATA "kallsyms-zero";
	o.kallsyms_fallback = DATA "missing-snapshot";
	decode_ctx_new(&c, &o);
	is_str(run_label(c, ksym, &a, 8), "unknown_addr:0xffffffff81002000",
	       "ksym: addresses hidden and no fallback file: unknown, not an error");
	decode_ctx_free(c);
	o.kallsyms_path = DATA "missing";
	decode_ctx_new(&c, &o);
	like(run_label(c, ksym, &a, 8),
	     "open t/data/decode/missing: No such file or directory; the loader's snapshot: "
	     "open t/data/decode/missing-snapshot: No such file",
	     "ksym: both unreadable: the error names both");
	decode_ctx_free(c);
}

/* By default an unresolved address is written without it, and counted. */
static void test_ksym_no_addr(void)
{
	struct decode_opts o = {.kallsyms_path = DATA "kallsyms"};
	struct decode_ctx *c;
	struct chain c1, c2;
	struct config_label *ksym = chain_init(&c1, "ksym");
	struct config_label *chain = chain_init(&c2, "ksym,string");
	uint64_t a = 0xffffffff81001001;
	int rc;

	decode_ctx_new(&c, &o);
	diag_clear(&diag);
	rc = decode_label(c, ksym, (const uint8_t *)&a, 8, &result, &diag);
	is_int(rc, DECODE_COUNTED, "ksym: an unresolved address is counted as a decoder error");
	is_str(strbuf_str(&result), "unknown_addr", "ksym: ... and written without the address");
	like(diag_last(&diag), "label \"l\": decoder \"ksym\": an address that is no kernel",
	     "ksym: ... with a message naming the label and the option");
	ok(!strstr(diag_last(&diag), "ffffffff"), "ksym: the message holds no address either");
	diag_clear(&diag);
	rc = decode_label(c, chain, (const uint8_t *)&a, 8, &result, &diag);
	ok(rc == DECODE_COUNTED && !strcmp(strbuf_str(&result), "unknown_addr"),
	   "ksym: a counted label goes on through the rest of the chain");
	a = 0xffffffff81001000;
	is_str(run_label(c, ksym, &a, 8), "do_one_initcall", "ksym: resolved ones are not counted");
	decode_ctx_free(c);
}

static void write_file(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_kallsyms_reread(void)
{
	char path[256];
	struct decode_opts o = {.kallsyms_path = path, .ksym_unknown_addr = true};
	struct decode_ctx *c;
	struct chain c1;
	struct config_label *ksym = chain_init(&c1, "ksym");
	uint64_t a;

	snprintf(path, sizeof(path), "%s/kallsyms", tmpdir);
	write_file(path, "ffffffff81000000 T _text\n", "w");
	decode_ctx_new(&c, &o);
	a = 0xffffffff81000000;
	is_str(run_label(c, ksym, &a, 8), "_text", "ksym: read on first use");
	write_file(path, "ffffffffc0000000 t new_sym\t[new]\n", "a");
	a = 0xffffffffc0000000;
	is_str(run_label(c, ksym, &a, 8), "new_sym\t[new]", "ksym: a miss reads kallsyms again");
	write_file(path, "ffffffffc0001000 t newer_sym\t[new]\n", "a");
	a = 0xffffffffc0001000;
	is_str(run_label(c, ksym, &a, 8), "unknown_addr:0xffffffffc0001000",
	       "ksym: only once per context");
	decode_ctx_free(c);
}

/* new_encode_dev() */
static uint32_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static void test_majorminor(void)
{
	struct decode_opts o = {.partitions_path = DATA "partitions"};
	struct chain c1;
	struct config_label *l = chain_init(&c1, "majorminor");
	struct decode_ctx *c;
	uint32_t v;
	uint8_t buf[8] = {0};

	decode_ctx_new(&c, &o);
	v = encode_dev(8, 0);
	is_str(run_label(c, l, &v, 4), "sda", "majorminor: 8:0");
	v = encode_dev(259, 1);
	is_str(run_label(c, l, &v, 4), "nvme0n1p1", "majorminor: 259:1");
	v = encode_dev(253, 256);
	is_str(run_label(c, l, &v, 4), "dm-big", "majorminor: a minor above 255");
	v = encode_dev(8, 16);
	is_str(run_label(c, l, &v, 4), "unknown:8:16",
	       "majorminor: a line without exactly four fields is ignored");
	v = encode_dev(8, 32);
	is_str(run_label(c, l, &v, 4), "unknown:8:32",
	       "majorminor: fields compare as text (\"08\" is not 8)");
	v = encode_dev(4095, 1048575);
	is_str(run_label(c, l, &v, 4), "unknown:4095:1048575", "majorminor: widest numbers");
	memcpy(buf, &(uint32_t){encode_dev(8, 1)}, 4);
	is_str(run_label(c, l, buf, 8), "sda1", "majorminor: bytes past 4 are ignored");
	like(run_label(c, l, buf, 2), "input is 2 bytes; expected at least 4",
	     "majorminor: short input is an error");
	decode_ctx_free(c);

	o.partitions_path = DATA "missing";
	decode_ctx_new(&c, &o);
	v = 0;
	like(run_label(c, l, &v, 4), "open t/data/decode/missing",
	     "majorminor: no partitions file is an error");
	decode_ctx_free(c);
}

static void test_ifname(void)
{
	is_str(run_u32("ifname", 1), "lo", "ifname: index 1 is lo");
	is_str(run_u32("ifname", 1), "lo", "ifname: again, from the context's cache");
	is_str(run_u32("ifname", 0), "unknown:0", "ifname: index 0 is unknown");
	is_str(run_u32("ifname", 999999), "unknown:999999", "ifname: a missing index");
	like(run("ifname", "\1\0", 2), "input is 2 bytes", "ifname: short input is an error");
}

static void test_pci(void)
{
	struct decode_opts o = {.pci_ids_path = DATA "pci.ids"};
	struct decode_ctx *saved = ctx;

	decode_ctx_new(&ctx, &o);
	is_str(run_s("pci_vendor", "4318"), "NVIDIA Corporation", "pci_vendor: 0x10de");
	is_str(run_s("pci_vendor", "32902"), "Intel Corporation (renamed)",
	       "pci_vendor: a repeated vendor keeps the last name");
	is_str(run_s("pci_vendor", "3601"), "unknown pci vendor: 0xe11",
	       "pci_vendor: [quirk] ids below 0x1000 never match");
	is_str(run_s("pci_vendor", "5"), "unknown pci vendor: 0x05", "pci_vendor: two digits");
	is_str(run_s("pci_vendor", "-1"), "unknown pci vendor: 0x-1",
	       "pci_vendor: negative as Go's %%02x prints it");
	is_str(run_s("pci_device", "282992312"), "TU104GL [Tesla T4]",
	       "pci_device: (0x10de << 16) + 0x1eb8");
	is_str(run_s("pci_device", "2156270135"), "440FX - 82441FX PMC [Natoma]",
	       "pci_device: devices of a repeated vendor's first block");
	is_str(run_s("pci_device", "2156294144"), "82371SB PIIX3 ISA [Natoma/Triton II]",
	       "pci_device: and of its second block");
	is_str(run_s("pci_device", "235995137"), "unknown pci device: 0xe110001",
	       "pci_device: [quirk] vendor below 0x1000");
	is_str(run_s("pci_device", "-1"), "unknown pci device: 0x-001",
	       "pci_device: negative as Go's %%04x prints it");
	is_str(run_s("pci_device", "1"), "unknown pci device: 0x0001", "pci_device: four digits");
	is_str(run_s("pci_class", "1"), "Mass storage controller", "pci_class: 0x01");
	is_str(run_s("pci_class", "3"), "unknown pci class: 0x03", "pci_class: unknown");
	is_str(run_s("pci_subclass", "264"), "Non-Volatile memory controller",
	       "pci_subclass: 0x0108");
	is_str(run_s("pci_subclass", "640"), "Network controller", "pci_subclass: 0x0280");
	is_str(run_s("pci_subclass", "258"), "unknown pci subclass: 0x02 (class 0x01)",
	       "pci_subclass: unknown subclass of a known class");
	is_str(run_s("pci_subclass", "768"), "unknown pci class: 0x03",
	       "pci_subclass: unknown class");
	is_str(run_s("pci_subclass", "65280"), "unknown pci subclass: 0x00 (class 0xff)",
	       "pci_subclass: [quirk] the last class in pci.ids has no subclasses");
	is_str(run_s("pci_subclass", "-1"), "unknown pci class: 0x-1",
	       "pci_subclass: negative shifts arithmetically");
	like(run_s("pci_vendor", "0x10de"), "decoder \"pci_vendor\": input \"0x10de\" is not a",
	     "pci_vendor: hex text is an error");
	is_str(run_u32("uint,pci_class", 2), "Network controller", "chain uint -> pci_class");
	decode_ctx_free(ctx);

	o.pci_ids_path = DATA "missing";
	decode_ctx_new(&ctx, &o);
	is_str(run_s("pci_vendor", "4318"), "missing pci.ids db", "pci_vendor: no database");
	is_str(run_s("pci_subclass", "not a number"), "missing pci.ids db",
	       "pci_subclass: no database, input not even parsed");
	decode_ctx_free(ctx);
	ctx = saved;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static void mkdirf(const char *fmt, const char *a)
{
	char p[512];

	snprintf(p, sizeof(p), fmt, tmpdir, a);
	mkdir(p, 0755);
}

static void test_cgroup(void)
{
	char v1[256], v2[256], mi[256], p[512], want[512], text[2048], sub[512];
	struct decode_opts o = {.mountinfo_path = mi};
	struct chain c1;
	struct config_label *l = chain_init(&c1, "uint,cgroup");
	struct decode_ctx *c;
	uint64_t id;
	FILE *f;
	size_t n;

	/* A v1 hierarchy and a cgroup2 tree (with a space in its path, escaped in mountinfo). */
	snprintf(v1, sizeof(v1), "%s/v1", tmpdir);
	snprintf(v2, sizeof(v2), "%s/uni fied", tmpdir);
	snprintf(mi, sizeof(mi), "%s/mountinfo", tmpdir);
	mkdir(v1, 0755);
	mkdirf("%s/v1/%s", "v1only");
	mkdir(v2, 0755);
	mkdirf("%s/uni fied/%s", "system.slice");
	mkdirf("%s/uni fied/%s", "system.slice/ssh.service");
	mkdirf("%s/uni fied/%s", "user.slice");
	snprintf(p, sizeof(p), "%s/uni fied/user.slice/file", tmpdir);
	write_file(p, "", "w");
	snprintf(p, sizeof(p), "%s/v1/v1only", tmpdir);
	snprintf(sub, sizeof(sub), "%s/uni fied/link", tmpdir);
	if (symlink(p, sub))
		diag_clear(&diag);

	f = fopen(DATA "mountinfo.in", "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	{
		struct strbuf out = {0};
		char *s = text, *at;
		char esc[300];

		snprintf(esc, sizeof(esc), "%s/uni\\040fied", tmpdir);
		while ((at = strchr(s, '@'))) {
			strbuf_add(&out, s, (size_t)(at - s));
			if (!strncmp(at, "@V1@", 4))
				strbuf_addstr(&out, v1);
			else
				strbuf_addstr(&out, esc);
			s = at + 4;
		}
		strbuf_addstr(&out, s);
		write_file(mi, strbuf_str(&out), "w");
		strbuf_release(&out);
	}

	decode_ctx_new(&c, &o);
	id = ino_of(v2);
	is_str(run_label(c, l, &id, 8), v2, "cgroup: the cgroup2 root is its mount point");
	snprintf(want, sizeof(want), "%s/system.slice/ssh.service", v2);
	id = ino_of(want);
	is_str(run_label(c, l, &id, 8), want, "chain uint -> cgroup: a nested cgroup's path");
	snprintf(want, sizeof(want), "%s/user.slice", v2);
	id = ino_of(want);
	is_str(run_label(c, l, &id, 4 + 4), want, "cgroup: another cgroup");
	snprintf(p, sizeof(p), "%s/v1/v1only", tmpdir);
	id = ino_of(p);
	snprintf(want, sizeof(want), "unknown_cgroup_id:%llu", (unsigned long long)id);
	is_str(run_label(c, l, &id, 8), want,
	       "cgroup: v1 hierarchies are never walked, nor symlinks followed");
	snprintf(p, sizeof(p), "%s/uni fied/user.slice/file", tmpdir);
	id = ino_of(p);
	snprintf(want, sizeof(want), "unknown_cgroup_id:%llu", (unsigned long long)id);
	is_str(run_label(c, l, &id, 8), want, "cgroup: files are not cgroups");
	id = (uint64_t)-5;
	like(run_label(c, l, &id, 8), "out of range",
	     "cgroup: an id of 2^63 or more fails Atoi, as in ebpf_exporter");
	decode_ctx_free(c);

	is_str(run_s("cgroup", "-5"), "unknown_cgroup_id:-5", "cgroup: negative text is unknown");
	like(run_s("cgroup", "x1"), "is not a decimal integer", "cgroup: text is an error");

	o.mountinfo_path = NULL;
	o.cgroup_root = v1;
	decode_ctx_new(&c, &o);
	snprintf(p, sizeof(p), "%s/v1/v1only", tmpdir);
	id = ino_of(p);
	is_str(run_label(c, l, &id, 8), p, "cgroup: cgroup_root overrides mountinfo");
	decode_ctx_free(c);

	o.cgroup_root = NULL;
	o.mountinfo_path = DATA "partitions";
	decode_ctx_new(&c, &o);
	id = 1;
	is_str(run_label(c, l, &id, 8), "unknown_cgroup_id:1",
	       "cgroup: no cgroup2 mount: every id is unknown");
	like(diag_last(&diag), "no cgroup2 mount in t/data/decode/partitions",
	     "cgroup: ... with a warning saying why");
	decode_ctx_free(c);
}

/* The entry of @id in @k[0..@n), or NULL. */
static const struct decode_cgroup *kept(const struct decode_cgroup *k, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].id == id)
			return &k[i];
	return NULL;
}

/* @id is kept with @path and @last. */
static int kept_as(const struct decode_cgroup *k, size_t n, uint64_t id, const char *path,
		   int64_t last)
{
	const struct decode_cgroup *e = kept(k, n, id);

	if (e && !strcmp(e->path, path) && e->last_lookup == last)
		return 1;
	printf("#   id %llu: got %s %lld, want %s %lld\n", (unsigned long long)id,
	       e ? e->path : "(absent)", e ? (long long)e->last_lookup : 0LL, path,
	       (long long)last);
	return 0;
}

static void test_cgroup_remember(void)
{
	/* Made-up ids far above the inode numbers of the test's directories. */
	enum { GONE = 1, EXPIRED, ALMOST, DUP, ODD, UNUSED, UNUSED_OLD, FUTURE };
	const uint64_t base = 1ull << 50;
	const int64_t now = 1700000000;
	char root[256], live[300], other[300], gone[300], want[300];
	struct decode_opts o = {.cgroup_root = root};
	struct chain c1;
	struct config_label *l = chain_init(&c1, "uint,cgroup");
	const struct decode_cgroup *k;
	struct decode_ctx *c;
	uint64_t id, live_id, other_id, gone_id;
	size_t n, i;
	int sorted = 1;

	snprintf(root, sizeof(root), "%s/cgr", tmpdir);
	snprintf(live, sizeof(live), "%s/live", root);
	snprintf(other, sizeof(other), "%s/other", root);
	snprintf(gone, sizeof(gone), "%s/gone", root);
	mkdir(root, 0755);
	mkdir(live, 0755);
	mkdir(other, 0755);
	mkdir(gone, 0755);
	live_id = ino_of(live);
	other_id = ino_of(other);
	gone_id = ino_of(gone);
	rmdir(gone); /* before the walk: the walk misses it, as a removed cgroup */
	{
		const struct decode_cgroup mem[] = {
			{gone_id, now - 10, "/sys/fs/cgroup/gone"},
			{live_id, now - 10, "/sys/fs/cgroup/old-name"},
			{other_id, now - 30, "/sys/fs/cgroup/other-old-name"},
			{base + EXPIRED, now - DECODE_CGROUP_KEEP_S, "/x/expired"},
			{base + ALMOST, now - DECODE_CGROUP_KEEP_S + 1, "/x/almost"},
			{base + DUP, now - 100, "/dup/older"},
			{base + DUP, now - 50, "/dup/newer"},
			{base + DUP, now - 70, "/dup/middle"},
			{base + ODD, now - 5, "/a\tb\nc\\d"},
			{base + UNUSED, now - 300, "/x/unused"},
			{base + UNUSED_OLD, now - 550, "/x/unused-old"},
			{base + FUTURE, now + 1000, "/x/future"},
			{base + GONE, now, NULL},
		};

		decode_ctx_new(&c, &o);
		is_int(decode_cgroups_to_keep(c, now, &k, &n), 0,
		       "cgroup memory: nothing remembered, nothing decoded ...");
		is_int(n, 0, "cgroup memory: ... nothing to keep");
		is_int(decode_cgroups_remember(c, mem, sizeof(mem) / sizeof(mem[0]), now), 0,
		       "cgroup memory: remember");
	}
	is_str(run_label(c, l, &gone_id, 8), "/sys/fs/cgroup/gone",
	       "cgroup memory: a removed cgroup the walk misses resolves to its remembered path");
	is_str(run_label(c, l, &live_id, 8), live,
	       "cgroup memory: a live cgroup wins over a remembered path of the same id");
	id = base + EXPIRED;
	snprintf(want, sizeof(want), "unknown_cgroup_id:%llu", (unsigned long long)id);
	is_str(run_label(c, l, &id, 8), want,
	       "cgroup memory: last looked up 10 minutes ago: forgotten, unknown");
	id = base + ALMOST;
	is_str(run_label(c, l, &id, 8), "/x/almost",
	       "cgroup memory: last looked up 1 s less than 10 minutes ago: still resolves");
	id = base + DUP;
	is_str(run_label(c, l, &id, 8), "/dup/newer",
	       "cgroup memory: of one id remembered twice, the later lookup is kept");
	id = base + ODD;
	is_str(run_label(c, l, &id, 8), "/a\tb\nc\\d",
	       "cgroup memory: tab, newline and backslash in a path come back as they were");
	id = base + GONE + 100;
	snprintf(want, sizeof(want), "unknown_cgroup_id:%llu", (unsigned long long)id);
	is_str(run_label(c, l, &id, 8), want, "cgroup memory: an id never seen stays unknown");
	id = base + GONE;
	snprintf(want, sizeof(want), "unknown_cgroup_id:%llu", (unsigned long long)id);
	is_str(run_label(c, l, &id, 8), want, "cgroup memory: an entry without a path is ignored");

	is_int(decode_cgroups_to_keep(c, now + 60, &k, &n), 0, "cgroup memory: to keep");
	ok(kept_as(k, n, gone_id, "/sys/fs/cgroup/gone", now + 60),
	   "to keep: a remembered id looked up, with now as its last lookup");
	ok(kept_as(k, n, live_id, live, now + 60),
	   "to keep: a live id looked up, with its live path and now");
	ok(kept_as(k, n, base + ALMOST, "/x/almost", now + 60) &&
		   kept_as(k, n, base + DUP, "/dup/newer", now + 60) &&
		   kept_as(k, n, base + ODD, "/a\tb\nc\\d", now + 60),
	   "to keep: every other id resolved in this context");
	ok(kept_as(k, n, base + UNUSED, "/x/unused", now - 300),
	   "to keep: remembered, not looked up, 6 minutes old: kept with its own last lookup");
	ok(!kept(k, n, base + UNUSED_OLD),
	   "to keep: remembered, not looked up, 10 min 10 s old: forgotten");
	ok(kept_as(k, n, other_id, other, now - 30),
	   "to keep: remembered, alive but not looked up: its live path, its own last lookup");
	ok(kept_as(k, n, base + FUTURE, "/x/future", now + 60),
	   "to keep: a last lookup in the future (a clock set back) counts as now");
	ok(!kept(k, n, base + EXPIRED) && !kept(k, n, base + GONE) &&
		   !kept(k, n, base + GONE + 100) && !kept(k, n, ino_of(root)),
	   "to keep: no expired, unresolved or merely walked id");
	is_int(n, 8, "to keep: 8 ids");
	for (i = 1; i < n; i++)
		if (k[i - 1].id >= k[i].id)
			sorted = 0;
	ok(sorted, "to keep: sorted by id, each once");

	decode_cgroups_to_keep(c, now + 299, &k, &n);
	ok(kept(k, n, base + UNUSED) != NULL, "to keep: 9 min 59 s after its last lookup: kept");
	decode_cgroups_to_keep(c, now + 300, &k, &n);
	ok(!kept(k, n, base + UNUSED) && kept(k, n, gone_id),
	   "to keep: 10 min after its last lookup: forgotten; looked-up ids stay");
	decode_ctx_free(c);

	/* Remembering again replaces; without a walk, remembered ids are still answered. */
	{
		const struct decode_cgroup a[] = {{base + UNUSED, now, "/first"}};
		const struct decode_cgroup b[] = {{base + DUP, now, "/second"}};

		decode_ctx_new(&c, &o);
		decode_cgroups_remember(c, a, 1, now);
		decode_cgroups_remember(c, b, 1, now);
		decode_cgroups_to_keep(c, now + 1, &k, &n);
		ok(n == 1 && kept_as(k, n, base + DUP, "/second", now),
		   "cgroup memory: remember replaces; with nothing decoded, ages are kept");
		decode_ctx_free(c);
	}
	rmdir(live);
	rmdir(other);
	rmdir(root);
}

static void test_regexp(void)
{
	struct config_decoder decs[2] = {{.name = "string", .kind = DECODER_STRING},
					 {.name = "regexp", .kind = DECODER_REGEXP}};
	struct config_label l = {.name = "comm", .size = 16, .n_decoders = 2, .decoders = decs};
	char *pats[2] = {"^(nginx|sshd)", "^kworker/(\\d+)"};
	char *other[1] = {"^kworker/\\d+:(\\d+)"};

	is_str(run_re("nginx: worker", 1, "^nginx: (.*)$"), "worker", "regexp: one group");
	is_str(run_re("xx abc123 yy", 1, "[a-z]+\\d+"), "abc123",
	       "regexp: no group gives the matched text only");
	is_str(run_re("abc", 1, "(x)?abc"), "", "regexp: a group that did not take part is empty");
	is_str(run_re("ab", 2, "(a)(b)", "b"), "b",
	       "regexp: [quirk] two groups count as no match; the next pattern is tried");
	is_str(run_re("zzz", 2, "a", "b"), "SKIP", "regexp: no match skips the sample");
	is_str(run_re("zzz", 0), "SKIP", "regexp: an empty list matches nothing");
	is_str(run_re("ab", 1, "a|ab"), "a", "regexp: leftmost-first, not leftmost-longest");
	is_str(run_re("Hello", 1, "(?i)^(hello)$"), "Hello", "regexp: (?i)");
	is_str(run_re("\xc3\x89t\xc3\xa9", 1, "(?i)^(\xc3\xa9t\xc3\xa9)$"), "\xc3\x89t\xc3\xa9",
	       "regexp: (?i) folds non-ASCII letters as RE2 does");
	is_str(run_re("\xc3\xa9x", 1, "^(.)"), "\xc3\xa9", "regexp: . takes a whole character");
	is_str(run_re("\xd9\xa3", 1, "\\d"), "SKIP", "regexp: \\d is ASCII only, as in RE2");
	is_str(run_re("abc\n", 1, "c$"), "SKIP", "regexp: $ matches only at the very end");
	is_str(run_re("a\nb", 1, "a.b"), "SKIP", "regexp: . does not match \\n");
	is_str(run_re("a\rb", 1, "a.b"), "a\rb", "regexp: . matches \\r");
	is_str(run_re("a\nb", 1, "(?s)a.b"), "a\nb", "regexp: (?s)");
	is_str(run_re("x\x0by", 1, "x\\vy"), "x\x0by", "regexp: \\v is the vertical tab");
	is_str(run_re("x\ny", 1, "x\\vy"), "SKIP", "regexp: ... and nothing else");
	is_str(run_re("ab\xff"
		      "cd",
		      1, "^(.*)$"),
	       "ab\xff"
	       "cd",
	       "regexp: invalid UTF-8 matches as U+FFFD and comes out unchanged");
	is_str(run_re("ab\xff\xfe"
		      "cd",
		      1, "b(..)c"),
	       "\xff\xfe", "regexp: each invalid byte is one character");
	is_str(run_re("k:\xe2\x82", 1, "k:(.*)"), "\xe2\x82",
	       "regexp: a truncated sequence is two bad bytes");
	is_str(run_re("id=42", 1, "(?P<n>\\d+)"), "42", "regexp: a named group counts as one");
	is_str(run_re("id=42", 1, "(?:id)=(\\d+)"), "42", "regexp: (?:) does not count");
	is_str(run_re("a[b]c", 1, "[]a[]+"), "a[", "regexp: ']' first in a class is literal");
	is_str(run_re("x:y", 1, "[[:alpha:]]+$"), "y", "regexp: POSIX classes");
	is_str(run_re("a.b", 1, "\\Q.\\E(b)"), "b", "regexp: \\Q...\\E");
	is_str(run_re("", 1, "^$"), "", "regexp: empty input can match");

	like(run_re("x", 1, "a(?=b)"), "regexps[0] \"a(?=b)\": group syntax not in RE2",
	     "regexp: lookahead is rejected as RE2 rejects it");
	like(run_re("x", 1, "(?<!a)b"), "not in RE2", "regexp: lookbehind is rejected");
	like(run_re("x", 1, "(a)\\1"), "backreferences", "regexp: backreferences are rejected");
	like(run_re("x", 1, "a*+"), "possessive", "regexp: possessive quantifiers are rejected");
	like(run_re("x", 1, "(?>a)"), "not in RE2", "regexp: atomic groups are rejected");
	like(run_re("x", 1, "\\h"), "escape not in RE2", "regexp: \\h is rejected");
	like(run_re("x", 1, "a{1001}"), "over 1000", "regexp: repeat counts over 1000");
	like(run_re("x", 1, "(*UTF)a"), "(* is not RE2", "regexp: PCRE2 verbs are rejected");
	is_str(run_re("x", 2, "x", "a("), "x",
	       "regexp: a later bad pattern is not compiled once an earlier one matched");
	like(run_re("y", 2, "x", "a("), "decoder \"regexp\": regexps[1] \"a(\": missing closing",
	     "regexp: a compile error names the pattern and PCRE2's reason");

	decs[1].has_regexps = true;
	decs[1].n_regexps = 2;
	decs[1].regexps = pats;
	is_str(run_label(ctx, &l, "sshd\0\0\0\0", 8), "sshd", "chain string -> regexp");
	is_str(run_label(ctx, &l, "kworker/12:1\0", 13), "12", "chain: the second pattern");
	is_str(run_label(ctx, &l, "bash\0", 5), "SKIP", "chain: no match skips");
	decs[1].n_regexps = 1;
	decs[1].regexps = other;
	is_str(run_label(ctx, &l, "kworker/12:1\0", 13), "1",
	       "regexp: a changed spec at the same address is compiled anew");
	decs[1].has_regexps = false;
	is_str(run_label(ctx, &l, "bash", 4),
	       "error: label \"comm\": decoder \"regexp\": no regexps defined",
	       "regexp: no regexps key is an error");
}

static void test_chains_and_errors(void)
{
	struct chain c1;
	struct config_label *l = chain_init(&c1, "string,hex,string");
	uint32_t v = 5;

	is_str(run("string,hex,string", "AB\0", 3), "4142", "chain of three alternates buffers");
	is_str(run_u32("uint,string,string,string", v), "5", "chain of four");
	is_str(run_u32("uint,stirng", v),
	       "error: label \"l\": unknown decoder \"stirng\" (did you mean \"string\"?)",
	       "an unknown decoder at decode time is an error with a suggestion");
	is_str(run_u32("uint,zzzzzzzz", v), "error: label \"l\": unknown decoder \"zzzzzzzz\"",
	       "no suggestion when nothing is near");
	l->n_decoders = 0;
	is_str(run_label(ctx, l, "x", 1), "error: label \"l\": no decoders set",
	       "a label without decoders is an error");
	is_str(run("uint,errno", "\1\2\3", 3),
	       "error: label \"l\": decoder \"uint\": input is 3 bytes; expected 1, 2, 4 or 8",
	       "the first failing decoder ends the chain");
	ok(strbuf_str(&result)[0] == 'e', "after an error the output holds no partial text");
}

static void test_check_label(void)
{
	const char *file = "t.yaml";
	char *bad[2] = {"ok", "a("};
	struct config_decoder decs[3] = {
		{.name = "stirng", .at = {file, 3, 11}},
		{.name = "regexp",
		 .kind = DECODER_REGEXP,
		 .at = {file, 4, 11},
		 .has_regexps = true,
		 .n_regexps = 2,
		 .regexps = bad},
		{.name = "regexp", .kind = DECODER_REGEXP, .at = {file, 5, 11}},
	};
	struct config_label l = {
		.name = "comm", .at = {file, 2, 5}, .size = 16, .n_decoders = 3, .decoders = decs};
	struct diag d = {0};
	int err;

	err = decode_check_label(&l, &d);
	is_int(err, -EINVAL, "check_label: a bad chain is -EINVAL");
	is_int(d.n_errors, 3, "check_label: every problem is reported");
	if (d.n_msgs == 3) {
		is_str(d.msgs[0].text,
		       "t.yaml:3:11: label \"comm\": unknown decoder \"stirng\" (did you mean "
		       "\"string\"?)",
		       "check_label: unknown decoder with position and suggestion");
		like(d.msgs[1].text,
		     "t.yaml:4:11: label \"comm\": decoder \"regexp\": regexps[1] \"a(\": missing",
		     "check_label: a pattern that does not compile");
		is_str(d.msgs[2].text,
		       "t.yaml:5:11: label \"comm\": decoder \"regexp\": no regexps defined",
		       "check_label: regexp without regexps");
	} else {
		ok(0, "check_label: messages");
		ok(0, "check_label: messages");
		ok(0, "check_label: messages");
	}
	diag_release(&d);

	l.n_decoders = 0;
	err = decode_check_label(&l, &d);
	is_str(diag_last(&d), "t.yaml:2:5: label \"comm\": no decoders set",
	       "check_label: no decoders");
	diag_release(&d);

	decs[0].name = "uint";
	decs[0].kind = DECODER_UINT;
	decs[1].regexps[1] = "(x)";
	l.n_decoders = 2;
	err = decode_check_label(&l, &d);
	ok(err == 0 && d.n_msgs == 0, "check_label: a good chain passes silently");
	decs[1].regexps[1] = "a(";
	diag_release(&d);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (decode_ctx_new(&ctx, NULL))
		return 1;
	test_kinds();
	test_uint();
	test_string_hex();
	test_inet_ip();
	test_dname();
	test_errno_syscall();
	test_static_map();
	test_ksym_kstack();
	test_kallsyms_reread();
	test_ksym_no_addr();
	test_majorminor();
	test_ifname();
	test_pci();
	test_cgroup();
	test_cgroup_remember();
	test_regexp();
	test_chains_and_errors();
	test_check_label();
	decode_ctx_free(ctx);
	strbuf_release(&result);
	diag_release(&diag);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", tmpdir);
	return done_testing();
}

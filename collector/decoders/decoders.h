/*
 * decoders: what the decoders in this directory share with decode.c and each other. Not a
 * public contract: the rest of the collector sees only decode.h.
 *
 * A decoder reads @in[0..@len) (key bytes or the previous decoder's text) and appends its
 * output to @out, which decode.c has emptied and which never aliases @in. It returns 0,
 * DECODE_SKIP, or a negative errno with a message in @d that decode.c prefixes with the
 * label and decoder names. Lookup sources hang off the struct decode_ctx, loaded on first
 * use; each file that owns one also offers a NAME_release() that decode_ctx_free() calls.
 */
#ifndef EBPFEXP_DECODERS_H
#define EBPFEXP_DECODERS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"
#include "diag.h"
#include "strbuf.h"

struct kallsyms;
struct cgroups;
struct pci_db;
struct partitions;
struct ifnames;
struct regexps;
struct kube;

struct decode_ctx {
	struct decode_opts opts;       /* strings borrowed from the caller */
	struct strbuf chain[2];	       /* ping-pong buffers between the decoders of a chain */
	struct kallsyms *kallsyms;     /* ksym, kstack (kallsyms.c) */
	struct cgroups *cgroups;       /* cgroup */
	struct pci_db *pci;	       /* pci_* (pci.c) */
	bool pci_loaded;	       /* pci.ids looked for (pci == NULL: not found) */
	struct partitions *partitions; /* majorminor */
	struct ifnames *ifnames;       /* ifname */
	struct regexps *regexps;       /* regexp: compiled patterns keyed by the decoder spec */
	struct diag warnings;	       /* for decode_take_warnings() */
	struct kube *kube;	       /* kube_* (kube.c): kubelet's pods dir */
};

typedef int decoder_fn(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		       size_t len, struct strbuf *out, struct diag *d);
/* Check @dec without data, at config time (e.g. its patterns compile). 0 or -errno with @d. */
typedef int decoder_check_fn(const struct config_decoder *dec, struct diag *d);

/*
 * The table of operations: one line for each kind of decoderkind.h, in any order (decode.c
 * checks at compile time that every kind has exactly one). X(KIND, decode, check); check
 * may be NULL. The line also declares the decode function.
 */
#define DECODERS_OPS(X)                                                                            \
	X(CGROUP, cgroup_decode, NULL)                                                             \
	X(CONTAINER_ID, container_id_decode, NULL)                                                 \
	X(DNAME, dname_decode, NULL)                                                               \
	X(ERRNO, errno_decode, NULL)                                                               \
	X(HEX, hex_decode, NULL)                                                                   \
	X(IFNAME, ifname_decode, NULL)                                                             \
	X(INET_IP, inet_ip_decode, NULL)                                                           \
	X(KSTACK, kstack_decode, NULL)                                                             \
	X(KSYM, ksym_decode, NULL)                                                                 \
	X(KUBE_CONTAINER, kube_container_decode, NULL)                                             \
	X(KUBE_NAMESPACE, kube_namespace_decode, NULL)                                             \
	X(KUBE_POD, kube_pod_decode, NULL)                                                         \
	X(KUBE_POD_UID, kube_pod_uid_decode, NULL)                                                 \
	X(MAJORMINOR, majorminor_decode, NULL)                                                     \
	X(PCI_CLASS, pci_class_decode, NULL)                                                       \
	X(PCI_DEVICE, pci_device_decode, NULL)                                                     \
	X(PCI_SUBCLASS, pci_subclass_decode, NULL)                                                 \
	X(PCI_VENDOR, pci_vendor_decode, NULL)                                                     \
	X(REGEXP, regexp_decode, regexp_check)                                                     \
	X(STATIC_MAP, static_map_decode, NULL)                                                     \
	X(STRING, string_decode, NULL)                                                             \
	X(SYSCALL, syscall_decode, NULL)                                                           \
	X(SYSTEMD_UNIT, systemd_unit_decode, NULL)                                                 \
	X(UINT, uint_decode, NULL)

#define DECODERS_DECLARE(kind, decode, check) decoder_fn decode;
DECODERS_OPS(DECODERS_DECLARE)
#undef DECODERS_DECLARE

void kallsyms_release(struct decode_ctx *ctx);
void cgroup_release(struct decode_ctx *ctx);
void pci_release(struct decode_ctx *ctx);
void majorminor_release(struct decode_ctx *ctx);
void ifname_release(struct decode_ctx *ctx);
void regexp_release(struct decode_ctx *ctx);
void kube_release(struct decode_ctx *ctx);

/* cgroup.c: decode_cgroups_remember() and decode_cgroups_to_keep(), as decode.h says. */
int cgroup_remember(struct decode_ctx *ctx, const struct decode_cgroup *c, size_t n, int64_t now);
int cgroup_to_keep(struct decode_ctx *ctx, int64_t now, const struct decode_cgroup **out,
		   size_t *n);

/* Compile every pattern of @dec (a regexp decoder) once, to report errors at config time. */
int regexp_check(const struct config_decoder *dec, struct diag *d);

/*
 * kallsyms.c: the symbol with the greatest address <= @addr (the last in file order when
 * several share that address) in *@name, or NULL when @addr is below every symbol; *@exact
 * says whether its address is @addr. kallsyms is read on first use. *@name is borrowed
 * until the next read. 0 or a negative errno (kallsyms unreadable).
 */
int kallsyms_find(struct decode_ctx *ctx, uint64_t addr, const char **name, bool *exact,
		  struct diag *d);
/*
 * [compat] ebpf_exporter reads kallsyms again when a lookup misses. Do that at most once
 * per context, and not at all when every address is zero (no CAP_SYSLOG: a new read
 * would show zeros again). Returns 1 when it read again now, 0 when it did not.
 */
int kallsyms_reread_once(struct decode_ctx *ctx, struct diag *d);

/* pci.c: the pci.ids database, or NULL (with 0) when none was found. */
int pci_db_get(struct decode_ctx *ctx, const struct pci_db **db, struct diag *d);
const char *pci_db_vendor(const struct pci_db *db, const char *key);
const char *pci_db_device(const struct pci_db *db, const char *key);
const char *pci_db_class(const struct pci_db *db, const char *key);
/* *@found_class tells whether the class exists (the subclass may still not). */
const char *pci_db_subclass(const struct pci_db *db, const char *class_key, const char *sub_key,
			    bool *found_class);
#define PCI_MISSING_DB "missing pci.ids db"
/*
 * The start every pci_* decoder shares: the database (without one, "missing pci.ids db" is
 * the label and the input is not even parsed [compat]: returns 1) and the decimal text
 * parsed into @v (returns 0). A negative errno with @d otherwise.
 */
int pci_decode_start(struct decode_ctx *ctx, const uint8_t *in, size_t len,
		     const struct pci_db **db, int64_t *v, struct strbuf *out, struct diag *d);
/*
 * The shared path of pci_vendor, pci_device and pci_class: parse the decimal text, format
 * it as Go's "%0*x" with @min_digits, look it up with @lookup, else "unknown pci @what: 0x<key>".
 */
int pci_decode_id(struct decode_ctx *ctx, const uint8_t *in, size_t len, int min_digits,
		  const char *(*lookup)(const struct pci_db *, const char *), const char *what,
		  struct strbuf *out, struct diag *d);

/*
 * Parse @s[0..@len) as Go's strconv.Atoi does on 64-bit: optional '+' or '-', decimal
 * digits only, within int64. Returns 0 or -EINVAL / -ERANGE.
 */
int decoders_atoi(const uint8_t *s, size_t len, int64_t *out);
/* As strconv.ParseUint(s, 10, 64): digits only, no sign. 0, -EINVAL or -ERANGE. */
int decoders_parse_u64(const uint8_t *s, size_t len, uint64_t *out);
/* Atoi with the message for @d: `input "x" is not a decimal integer` */
int decoders_atoi_diag(const uint8_t *s, size_t len, int64_t *out, struct diag *d);
/* Append a signed decimal. */
int decoders_add_i64(struct strbuf *sb, int64_t v);
/*
 * Format @v into @buf as Go's fmt "%0<width>x" does: lowercase hex, zero-padded to @width
 * characters counting a leading '-' (Go prints negative numbers with a sign, not two's
 * complement). Returns the length.
 */
#define DECODERS_GOHEX_SIZE 24
size_t decoders_gohex(char buf[DECODERS_GOHEX_SIZE], int64_t v, int width);
/* Append the lowercase hex of @v without leading zeros ("0" for zero). */
int decoders_add_hex_u64(struct strbuf *sb, uint64_t v);
/*
 * Put @in[0..@len) into @buf as a quoted string for messages, C-escaping what is not
 * printable and eliding the middle of long inputs. Returns @buf.
 */
const char *decoders_quote(char *buf, size_t size, const uint8_t *in, size_t len);
#define DECODERS_QUOTE_SIZE 80

/* Host-order integers from possibly unaligned bytes (@in must hold enough). */
uint64_t decoders_u64(const uint8_t *in);
uint32_t decoders_u32(const uint8_t *in);
uint16_t decoders_u16(const uint8_t *in);

/* Read a whole (proc) file into @sb (reset first); -errno with a message naming @path. */
int decoders_read_file(const char *path, struct strbuf *sb, struct diag *d);

#endif

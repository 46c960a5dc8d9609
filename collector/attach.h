/*
 * attach: programs -> links, by section kind, as ebpf_exporter attaches them (reference §3):
 * libbpf's auto-attach, plus `perf_event/type=..,config=..,frequency=..` (one event per online
 * CPU) and `xdp/<ifname>`; kaddrs written into `kaddr_<sym>` before load.
 */
#ifndef EBPFEXP_ATTACH_H
#define EBPFEXP_ATTACH_H
#include <stddef.h>

#include "config.h"
#include "diag.h"

struct bpf_object;
struct bpf_program;
struct bpf_link;

/* One program's attachment. `= {0}` is a valid unattached value. */
struct attach_prog {
	struct bpf_program *prog; /* borrowed from its object */
	size_t n_links;
	struct bpf_link **links;
	char *error; /* why it is not attached; NULL when attached */
};

/* Teach libbpf the perf_event/ and xdp/ sections (process-wide). Call once, before open. */
int attach_register_handlers(struct diag *d);
/* Does @obj have a program that needs tracefs (tracepoint/, tp/)? */
int attach_needs_tracefs(struct bpf_object *obj);
/*
 * Write the address of each of @c's kaddrs into the object's `kaddr_<sym>` variable
 * (.rodata or .data) before load. @kallsyms: NULL for /proc/kallsyms.
 */
int attach_set_kaddrs(struct bpf_object *obj, const struct config *c, const char *kallsyms,
		      struct diag *d);
/*
 * Attach @prog (loaded). On failure the reason stays in @ap->error as well as in @d, and a
 * negative errno is returned; the caller decides whether that is fatal.
 */
int attach_program(struct attach_prog *ap, struct bpf_program *prog, struct diag *d);
/* Destroy the links (detach) and free. */
void attach_prog_release(struct attach_prog *ap);

#endif

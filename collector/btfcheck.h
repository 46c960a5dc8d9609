/*
 * btfcheck: a config against its BPF object, before load. Each metric needs a map of its
 * name, of a supported type, with 8-byte values and a key as large as its labels; where the
 * object has BTF for the key, misaligned labels are explained field by field.
 */
#ifndef EBPFEXP_BTFCHECK_H
#define EBPFEXP_BTFCHECK_H

#include "config.h"
#include "diag.h"

struct bpf_object;

/* Is @map_type (enum bpf_map_type) one the reader can export? */
int btfcheck_map_type_supported(unsigned map_type);
/* Check @c against @obj (opened, not yet loaded). Reports every problem in @d. */
int btfcheck_config(const struct config *c, struct bpf_object *obj, struct diag *d);

#endif

/*
 * decoderkind: the decoders the config format knows, as an enum with each kind's name and
 * properties: the keys it takes besides "name", what the loader keeps for it. The config
 * parser and the manifest resolve a decoder's name to its kind once; the loader asks for
 * properties; none of them links a decoder. The decoders (decode.h) are a table of
 * operations indexed by the same enum.
 */
#ifndef EBPFEXP_DECODERKIND_H
#define EBPFEXP_DECODERKIND_H

/* The keys of a decoder, besides "name", that only some kinds take. */
enum decoder_keys {
	DECODER_KEY_STATIC_MAP = 1u << 0,
	DECODER_KEY_ALLOW_UNKNOWN = 1u << 1,
	DECODER_KEY_REGEXPS = 1u << 2,
};

/* What a kind needs the loader to keep in the state dir for the reader. */
enum decoder_needs {
	DECODER_NEEDS_KALLSYMS = 1u << 0,   /* kernel addresses: the symbol snapshot and index */
	DECODER_NEEDS_CGROUP_IDS = 1u << 1, /* cgroup ids: the cgroup record */
};

/*
 * Every kind, sorted by name (the order of "did you mean" and "expected one of" lists):
 * X(KIND, name, keys, needs). ebpf_exporter's decoders (reference §2.6) and ours
 * (container_id, kube_*, systemd_unit: the workload of a cgroup path, ebpfexp.yaml(5)
 * "EBPFEXP EXTENSIONS"). A new kind also needs its line in DECODERS_OPS
 * (decoders/decoders.h), which the compiler checks.
 */
#define DECODERKIND_LIST(X)                                                                        \
	X(CGROUP, cgroup, 0, DECODER_NEEDS_CGROUP_IDS)                                             \
	X(CONTAINER_ID, container_id, 0, 0)                                                        \
	X(DNAME, dname, 0, 0)                                                                      \
	X(ERRNO, errno, 0, 0)                                                                      \
	X(HEX, hex, 0, 0)                                                                          \
	X(IFNAME, ifname, 0, 0)                                                                    \
	X(INET_IP, inet_ip, 0, 0)                                                                  \
	X(KSTACK, kstack, 0, DECODER_NEEDS_KALLSYMS)                                               \
	X(KSYM, ksym, 0, DECODER_NEEDS_KALLSYMS)                                                   \
	X(KUBE_CONTAINER, kube_container, 0, 0)                                                    \
	X(KUBE_NAMESPACE, kube_namespace, 0, 0)                                                    \
	X(KUBE_POD, kube_pod, 0, 0)                                                                \
	X(KUBE_POD_UID, kube_pod_uid, 0, 0)                                                        \
	X(MAJORMINOR, majorminor, 0, 0)                                                            \
	X(PCI_CLASS, pci_class, 0, 0)                                                              \
	X(PCI_DEVICE, pci_device, 0, 0)                                                            \
	X(PCI_SUBCLASS, pci_subclass, 0, 0)                                                        \
	X(PCI_VENDOR, pci_vendor, 0, 0)                                                            \
	X(REGEXP, regexp, DECODER_KEY_REGEXPS, 0)                                                  \
	X(STATIC_MAP, static_map, DECODER_KEY_STATIC_MAP | DECODER_KEY_ALLOW_UNKNOWN, 0)           \
	X(STRING, string, 0, 0)                                                                    \
	X(SYSCALL, syscall, 0, 0)                                                                  \
	X(SYSTEMD_UNIT, systemd_unit, 0, 0)                                                        \
	X(UINT, uint, 0, 0)

#define DECODERKIND_ENUM(kind, name, keys, needs) DECODER_##kind,
enum decoder_kind {
	/* Not resolved, or a name no kind has (a manifest made by hand): = {0} is this. */
	DECODER_UNKNOWN,
	DECODERKIND_LIST(DECODERKIND_ENUM) DECODER_N_KINDS
};
#undef DECODERKIND_ENUM

struct decoderkind_info {
	const char *name; /* NULL for DECODER_UNKNOWN */
	unsigned keys;	  /* enum decoder_keys */
	unsigned needs;	  /* enum decoder_needs */
};

/* The kind named @name (exactly, case and all), or DECODER_UNKNOWN; NULL is unknown. */
enum decoder_kind decoderkind_find(const char *name);
/* @k's name and properties; DECODER_UNKNOWN's (no name, nothing) for any @k not a kind. */
const struct decoderkind_info *decoderkind_info(enum decoder_kind k);
/* Every kind's name, in enum order (sorted), NULL-terminated. Static. */
const char *const *decoderkind_names(void);

#endif

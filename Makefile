# ebpfexp: one top-level GNU Makefile. Outputs mirror the sources under build/.
PKG_CONFIG ?= pkg-config
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
CLANG_FORMAT ?= clang-format
CFLAGS     ?= -O2 -g
PREFIX     ?= /usr/local
DESTDIR    ?=
BTF        ?= /sys/kernel/btf/vmlinux
DEPS       := libbpf libelf jansson yaml-0.1 libpcre2-8 libcap libmd
# The loader links no PCRE2: its regex module is built with -DREGEX_DLOPEN and opens
# libpcre2-8.so.0 when a config has a regexp (cgroup_id_map, or a regexp decoder to check).
# The package still depends on libpcre2-8-0: shlibs finds it through the reader (t/6050).
LOAD_DEPS  := $(filter-out libpcre2-8,$(DEPS))
WERROR     ?= 1
WARN       := -Wall -Wextra -Wshadow -Wmissing-prototypes $(if $(filter 1,$(WERROR)),-Werror)
VERSION    := 0.1.0
# REVISION=... from outside wins: a copy of the tree outside git (the package's build) has it so
ifndef REVISION
REVISION   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
endif
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Icollector \
              -DEBPFEXP_VERSION='"$(VERSION)"' -DEBPFEXP_REVISION='"$(REVISION)"' \
              $(shell $(PKG_CONFIG) --cflags $(DEPS)) $(CFLAGS) -MMD -MP
LDLIBS     := $(shell $(PKG_CONFIG) --libs $(DEPS)) -lm
LOAD_LDLIBS := $(shell $(PKG_CONFIG) --libs $(LOAD_DEPS)) -lm
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined,float-cast-overflow
endif
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# clang -target bpf leaves out the multiarch include dir (asm/errno.h): pass clang's own
# system include list, as libbpf-tools does, so a bare Debian builds without a symlink.
CLANG_BPF_SYS_INCLUDES ?= $(shell scripts/clang-bpf-sys-includes $(CLANG))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ibuild -Ibpf -Wall -Werror \
              $(CLANG_BPF_SYS_INCLUDES)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

MAINS      := collector/load_main.c collector/read_main.c
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard collector/*.c collector/decoders/*.c))
LIB_OBJS   := $(patsubst %.c,build/%.o,$(LIB_SRCS))
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,build/bpf/%.bpf.o,$(BPF_SRCS))
TBPF_SRCS  := $(wildcard t/bpf/*.bpf.c)
TBPF_OBJS  := $(patsubst t/bpf/%.bpf.c,build/t/bpf/%.bpf.o,$(TBPF_SRCS))
UNIT_SRCS  := $(wildcard t/unit/*.c)
UNIT_TESTS := $(patsubst t/unit/%.c,build/t/unit/%.t,$(UNIT_SRCS))
BINS       := build/ebpfexp-load build/ebpfexp-read

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all check bench soak fuzz install uninstall clean format tests deb

all: $(BINS) $(BPF_OBJS) tests

tests: $(UNIT_TESTS) $(TBPF_OBJS) $(patsubst t/helpers/%.c,build/t/helpers/%,$(wildcard t/helpers/*.c))

build/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libebpfexp.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# regex.c again, for the loader: PCRE2 through dlopen() (regex.h). Linked before the
# archive, it stands in for the archive's regex.o, which links PCRE2.
build/collector/regex-dl.o: collector/regex.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -DREGEX_DLOPEN -c -o $@ $<

# The loader exports post_attach_mark for uprobes on /proc/self/exe: keep its symbols.
# It links no decoder (nothing of it calls decode.h) and no PCRE2 (LOAD_LDLIBS).
build/ebpfexp-load: build/collector/load_main.o build/collector/regex-dl.o build/libebpfexp.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LOAD_LDLIBS)

build/ebpfexp-read: build/collector/read_main.o build/libebpfexp.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/t/unit/%.t: build/t/unit/%.o build/libebpfexp.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/t/unit/%.o: t/unit/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -It/unit -c -o $@ $<

build/t/helpers/%: t/helpers/%.c build/libebpfexp.a
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/vmlinux.h: $(BTF)
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c > $@

build/bpf/%.bpf.o: bpf/%.bpf.c build/vmlinux.h $(wildcard bpf/*.h)
	$(call msg,CLANG,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

build/t/bpf/%.bpf.o: t/bpf/%.bpf.c build/vmlinux.h $(wildcard bpf/*.h t/bpf/*.h)
	$(call msg,CLANG,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -It/bpf -c $< -o $@

check: all
	prove --failures $(PROVE_FLAGS) build/t/unit t

# The reliability soak at full length: the reader every second for 10 minutes.
soak: all
	EBPFEXP_SOAK_SECONDS=$${EBPFEXP_SOAK_SECONDS:-600} prove -v t/5400-reader-soak.t

bench: all
	./t/bench/run
	./t/bench/cgroups

fuzz:
	$(MAKE) -f t/fuzz/Makefile $(FUZZ_TARGET)

# Installed layout (PREFIX=/usr/local by default; DESTDIR for staging and packages):
#   $(SBINDIR)/ebpfexp-load  $(BINDIR)/ebpfexp-read  $(MANDIR)/man5, man8
#   $(CONFDIR)/NAME.yaml + NAME.bpf.o for each of $(CONFIGS)  (always under /etc)
#   $(UNITDIR)/ebpfexp-load.service, ebpfexp-read.service, ebpfexp-read.timer
#   $(DOCDIR)/README.md, $(DOCDIR)/examples/cron.d/ebpfexp-read
# The units and the cron example name /usr/sbin and /usr/bin; they are installed with
# the real $(SBINDIR) and $(BINDIR). systemd reads units from /usr/local/lib/systemd/system
# too, so UNITDIR follows PREFIX. uninstall removes exactly these files, then the
# directories of ours that are left empty.
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/ebpfexp
UNITDIR    ?= $(PREFIX)/lib/systemd/system
CONFDIR    ?= /etc/ebpfexp
CONFIGS    ?= $(patsubst configs/%.yaml,%,$(wildcard configs/*.yaml))
UNITS      := ebpfexp-load.service ebpfexp-read.service ebpfexp-read.timer
MAN5       := ebpfexp.yaml.5
MAN8       := ebpfexp-load.8 ebpfexp-read.8
SED_PATHS  := sed -e 's|/usr/sbin/ebpfexp-load|$(SBINDIR)/ebpfexp-load|g' \
                  -e 's|/usr/bin/ebpfexp-read|$(BINDIR)/ebpfexp-read|g'

install: $(BINS) $(patsubst %,build/bpf/%.bpf.o,$(CONFIGS))
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(CONFDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(DOCDIR)/examples/cron.d
	install -m 0755 build/ebpfexp-load $(DESTDIR)$(SBINDIR)/ebpfexp-load
	install -m 0755 build/ebpfexp-read $(DESTDIR)$(BINDIR)/ebpfexp-read
	$(if $(strip $(CONFIGS)),install -m 0644 $(patsubst %,configs/%.yaml,$(CONFIGS)) \
		$(patsubst %,build/bpf/%.bpf.o,$(CONFIGS)) $(DESTDIR)$(CONFDIR)/)
	install -m 0644 $(addprefix man/,$(MAN5)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(addprefix man/,$(MAN8)) $(DESTDIR)$(MANDIR)/man8/
	for u in $(UNITS); do \
		$(SED_PATHS) scripts/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(SED_PATHS) scripts/cron/ebpfexp-read > $(DESTDIR)$(DOCDIR)/examples/cron.d/ebpfexp-read
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/cron.d/ebpfexp-read
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ebpfexp-load $(DESTDIR)$(BINDIR)/ebpfexp-read
	rm -f $(patsubst %,$(DESTDIR)$(CONFDIR)/%.yaml,$(CONFIGS)) \
		$(patsubst %,$(DESTDIR)$(CONFDIR)/%.bpf.o,$(CONFIGS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(MAN5)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MAN8))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(DOCDIR)/examples/cron.d/ebpfexp-read $(DESTDIR)$(DOCDIR)/README.md
	rmdir $(DESTDIR)$(DOCDIR)/examples/cron.d $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(CONFDIR) 2>/dev/null || true

# The Debian package, $(DEB_DIR)/ebpfexp_$(DEB_VERSION)_ARCH.deb (dpkg-buildpackage and
# debhelper; the packaging is in scripts/debian/). The sources and scripts/debian are
# copied into $(DEB_DIR)/deb/ebpfexp-$(DEB_VERSION)/ and built there, so the top level
# stays as it is. DEB_VERSION=0.1.0+1 makes a newer build of the same tree (upgrade tests);
# DEB_DIR (default build) puts the package and its staging tree elsewhere.
DEB_VERSION ?= $(VERSION)
DEB_DIR    ?= build
DEB_STAGE  := $(DEB_DIR)/deb/ebpfexp-$(DEB_VERSION)
DEB_DATE   := $(shell git log -1 --format=%cD 2>/dev/null || date -R)

deb:
	$(call msg,DEB,$(DEB_DIR)/ebpfexp_$(DEB_VERSION)_*.deb)
	$(Q)rm -rf $(DEB_DIR)/deb && mkdir -p $(DEB_STAGE)
	$(Q)cp -a Makefile README.md bpf collector configs man scripts $(DEB_STAGE)/
	$(Q)mv $(DEB_STAGE)/scripts/debian $(DEB_STAGE)/debian
	$(Q)printf '%s\n' 'ebpfexp ($(DEB_VERSION)) unstable; urgency=medium' '' \
		'  * Built from revision $(REVISION) of the source tree.' '' \
		' -- ebpfexp maintainers <maintainers@users.noreply.r-seed-b8e03994.example>  $(DEB_DATE)' \
		> $(DEB_STAGE)/debian/changelog
	$(Q)cd $(DEB_STAGE) && REVISION=$(REVISION) dpkg-buildpackage --build=binary --no-sign \
		$(if $(filter 1,$(V)),,>../build.log 2>&1) \
		|| { tail -n 40 ../build.log 2>/dev/null; exit 1; }
	$(Q)mv -f $(DEB_DIR)/deb/ebpfexp_$(DEB_VERSION)_*.deb \
		$(DEB_DIR)/deb/ebpfexp-dbgsym_$(DEB_VERSION)_*.deb $(DEB_DIR)/

clean:
	rm -rf build

# The files .clang-format governs: scripts/format-files is the one list (t/0050 checks it).
FORMAT_FILES = $(shell scripts/format-files)
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

-include $(LIB_OBJS:.o=.d) $(patsubst %.o,%.d,$(wildcard build/collector/*.o build/t/unit/*.o))

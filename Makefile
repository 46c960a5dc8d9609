# ebpfexp: one top-level GNU Makefile. Outputs mirror the sources under build/.
PKG_CONFIG ?= pkg-config
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
CFLAGS     ?= -O2 -g
PREFIX     ?= /usr/local
DESTDIR    ?=
BTF        ?= /sys/kernel/btf/vmlinux
DEPS       := libbpf libelf jansson yaml-0.1 libpcre2-8 libcap
WERROR     ?= 1
WARN       := -Wall -Wextra -Wshadow -Wmissing-prototypes $(if $(filter 1,$(WERROR)),-Werror)
VERSION    := 0.1.0
REVISION   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Icollector \
              -DEBPFEXP_VERSION='"$(VERSION)"' -DEBPFEXP_REVISION='"$(REVISION)"' \
              $(shell $(PKG_CONFIG) --cflags $(DEPS)) $(CFLAGS) -MMD -MP
LDLIBS     := $(shell $(PKG_CONFIG) --libs $(DEPS)) -lm
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ibuild -Ibpf -Wall -Werror

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
.PHONY: all check bench fuzz install uninstall clean format tests

all: $(BINS) $(BPF_OBJS) tests

tests: $(UNIT_TESTS) $(TBPF_OBJS) $(patsubst t/helpers/%.c,build/t/helpers/%,$(wildcard t/helpers/*.c))

build/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libebpfexp.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The loader exports post_attach_mark for uprobes on /proc/self/exe: keep its symbols.
build/ebpfexp-load: build/collector/load_main.o build/libebpfexp.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS)

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
	prove $(PROVE_FLAGS) build/t/unit t

bench: all
	./t/bench/run

fuzz:
	$(MAKE) -f t/fuzz/Makefile

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/ebpfexp \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 build/ebpfexp-load $(DESTDIR)$(PREFIX)/sbin/ebpfexp-load
	install -m 0755 build/ebpfexp-read $(DESTDIR)$(PREFIX)/bin/ebpfexp-read
	install -m 0644 configs/*.yaml $(BPF_OBJS) $(DESTDIR)/etc/ebpfexp/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/ebpfexp-load $(DESTDIR)$(PREFIX)/bin/ebpfexp-read
	rm -f $(DESTDIR)$(PREFIX)/share/man/man5/ebpfexp.yaml.5 \
		$(DESTDIR)$(PREFIX)/share/man/man8/ebpfexp-load.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/ebpfexp-read.8

clean:
	rm -rf build

format:
	clang-format -i collector/*.[ch] collector/decoders/*.[ch] t/unit/*.[ch]

-include $(LIB_OBJS:.o=.d) $(patsubst %.o,%.d,$(wildcard build/collector/*.o build/t/unit/*.o))

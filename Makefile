# gpcgate — GNU make.  `make demo` and `make check` are the two commands of
# the README; both first run `deps` (apt-get as root, else the exact line).
#
# Outputs go under $(O) (default: in the tree, so the module is
# pam_module/pam_gpcgate.so); sanitizer builds use their own O.

O        ?= .
PREFIX   ?= /usr/local
DESTDIR  ?=
PAMDIR   ?= /lib/x86_64-linux-gnu/security
SAN      ?=

PKGS      = ldap lber pam liboath libconfig libcrypto jansson libqrencode
TEST_PKGS = cmocka libpamtest

CC       ?= gcc
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-missing-field-initializers
HARDEN    = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
OPT      ?= -O2 -g
ifeq ($(SAN),asan)
OPT       = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
HARDEN    = -fPIC
endif
# SAN=fuzz: clang, libFuzzer's coverage hooks and ASan+UBSan (`make fuzz`)
ifeq ($(SAN),fuzz)
OPT       = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=undefined
HARDEN    = -fPIC
endif
CPPFLAGS += -D_GNU_SOURCE -Ilib -Itests/integration
CFLAGS   += -std=c11 $(WARN) $(HARDEN) $(OPT) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += -Wl,-z,relro -Wl,-z,now -Wl,--as-needed
ifneq ($(filter asan fuzz,$(SAN)),)
LDFLAGS  += -fsanitize=address,undefined
endif
LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

LIB_SRC   = $(sort $(wildcard lib/*.c))
LIB_OBJ   = $(LIB_SRC:%.c=$(O)/%.o)
LIBA      = $(O)/lib/libgpcgate.a
PAM_SO    = $(O)/pam_module/pam_gpcgate.so
CLI_SRC   = provisioner/cli.c
PROVD     = $(O)/provisioner/gpcgate-provisiond
CTL       = $(O)/provisioner/gpcgatectl
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  = $(UNIT_SRC:%.c=$(O)/%)
INT_SRC   = $(sort $(wildcard tests/integration/test_*.c))
INT_BIN   = $(INT_SRC:%.c=$(O)/%)
INT_OBJ   = $(O)/tests/integration/itest.o
BENCH_SRC = $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN = $(BENCH_SRC:%.c=$(O)/%)
HELP_SRC  = $(sort $(wildcard tests/harness/*.c))
HELP_BIN  = $(HELP_SRC:%.c=$(O)/%)
FUZZ_SRC  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  = $(FUZZ_SRC:%.c=$(O)/%)
FUZZ_OBJ  = $(FUZZ_SRC:%.c=$(O)/%.o) $(O)/tests/fuzz/util.o $(O)/tests/fuzz/replay.o
PROGS     = $(PAM_SO) $(PROVD) $(CTL)

.PHONY: all deps check demo bench valgrind asan install clean tests schema-check soak valgrind-loop
.PHONY: fuzz fuzz-smoke fuzz-bins
all: $(PROGS)

deps:
	@scripts/deps

$(O)/%.o: %.c $(wildcard lib/*.h tests/integration/*.h provisioner/*.h) | $(O)/lib $(O)/pam_module $(O)/provisioner $(O)/tests/unit $(O)/tests/integration $(O)/tests/harness $(O)/tests/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/lib $(O)/pam_module $(O)/provisioner $(O)/tests/unit $(O)/tests/integration $(O)/tests/harness $(O)/tests/bench:
	@mkdir -p $@

$(LIBA): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The module exports only pam_sm_*; -z nodelete keeps it (and libldap's
# global state) resident across pam_end, or every cycle leaks.
$(PAM_SO): $(O)/pam_module/pam_gpcgate.o $(LIBA) pam_module/pam_gpcgate.map
	$(CC) -shared -o $@ $(O)/pam_module/pam_gpcgate.o $(LIBA) $(LDFLAGS) \
	    -Wl,--version-script=pam_module/pam_gpcgate.map -Wl,-z,nodelete \
	    -Wl,--no-undefined $(LIBS)

$(PROVD): $(O)/provisioner/provisiond.o $(O)/provisioner/cli.o $(LIBA)
	$(CC) -pie -o $@ $(O)/provisioner/provisiond.o $(O)/provisioner/cli.o $(LIBA) $(LDFLAGS) $(LIBS) $(shell pkg-config --libs libsystemd 2>/dev/null)

CTL_OBJ   = $(patsubst %.c,$(O)/%.o,provisioner/gpcgatectl.c $(wildcard provisioner/ctl_*.c)) \
            $(O)/provisioner/cli.o
$(CTL): $(CTL_OBJ) $(LIBA)
	$(CC) -pie -o $@ $(CTL_OBJ) $(LIBA) $(LDFLAGS) $(LIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIBA)
	$(CC) -o $@ $< $(LIBA) $(LDFLAGS) $(LIBS) $(TEST_LIBS)

$(O)/tests/integration/%: $(O)/tests/integration/%.o $(INT_OBJ) $(LIBA)
	$(CC) -o $@ $< $(INT_OBJ) $(LIBA) $(LDFLAGS) $(LIBS) $(TEST_LIBS)

$(O)/tests/bench/%: $(O)/tests/bench/%.o $(LIBA)
	$(CC) -o $@ $< $(LIBA) $(LDFLAGS) $(LIBS)

$(O)/tests/harness/%: $(O)/tests/harness/%.o $(LIBA)
	$(CC) -o $@ $< $(LIBA) $(LDFLAGS) $(LIBS)

# pamloop links libpam alone (tests/harness/pamloop.c says why).
$(O)/tests/harness/pamloop: $(O)/tests/harness/pamloop.o
	$(CC) -o $@ $< $(LDFLAGS) -lpam

# An LD_PRELOAD library that captures syslog(3) for the personal-data test;
# never sanitized (it is preloaded into uninstrumented programs).
PRELOAD_SO = $(O)/tests/harness/syslogcap.so
$(PRELOAD_SO): tests/harness/preload/syslogcap.c | $(O)/tests/harness
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -fPIC -shared -o $@ $<

tests: $(PROGS) $(UNIT_BIN) $(INT_BIN) $(HELP_BIN) $(PRELOAD_SO) $(FUZZ_BIN)

# Fuzz targets (tests/fuzz/README.md), each linked twice: with replay.c, a
# main() that feeds it its seed corpus (tests/run does, in `make check`), and
# with SAN=fuzz and clang, with libFuzzer's (`make fuzz`, in build-fuzz/).
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 60
ifeq ($(SAN),fuzz)
FUZZ_MAIN =
FUZZ_LINK = -fsanitize=fuzzer
else
FUZZ_MAIN = $(O)/tests/fuzz/replay.o
FUZZ_LINK =
endif
$(FUZZ_OBJ): $(O)/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(FUZZ_BIN): $(O)/tests/fuzz/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/util.o $(FUZZ_MAIN) $(LIBA)
	$(CC) $(FUZZ_LINK) -o $@ $(filter %.o,$^) $(LIBA) $(LDFLAGS) $(LIBS)
fuzz-bins: $(FUZZ_BIN)

# Each fuzz target for FUZZ_SECONDS (new inputs kept in build-fuzz/corpus/,
# crashes in build-fuzz/artifacts/); fuzz-smoke only replays the seeds.
# Needs clang and libclang-rt-14-dev.  Not part of `make check`.
fuzz:
	@$(MAKE) --no-print-directory O=build-fuzz SAN=fuzz CC=$(FUZZ_CC) fuzz-bins
	@tests/fuzz/run build-fuzz $(FUZZ_SECONDS)

fuzz-smoke:
	@$(MAKE) --no-print-directory O=build-fuzz SAN=fuzz CC=$(FUZZ_CC) fuzz-bins
	@tests/fuzz/run build-fuzz 0

# The README's test command.
check: deps
	@$(MAKE) --no-print-directory tests
	@O=$(O) tests/run

demo: deps
	@$(MAKE) --no-print-directory all
	@O=$(O) scripts/demo.sh

asan:
	@$(MAKE) --no-print-directory O=build-asan SAN=asan tests
	@O=build-asan SAN=asan tests/run

# The exactly-once crash loop of `make check` (test_crash.sh), longer:
# 1200 documents, up to 200 SIGKILLs.  SOAK_DOCS and SOAK_KILLS change it.
SOAK_DOCS  ?= 1200
SOAK_KILLS ?= 200
soak: tests
	@O=$(O) GPC_CRASH_DOCS=$(SOAK_DOCS) GPC_CRASH_KILLS=$(SOAK_KILLS) ONLY=test_crash tests/run

valgrind: tests
	@O=$(O) VALGRIND=1 tests/run

# pam_start/authenticate/end cycles in one process under valgrind: 0 bytes
# lost, no descriptor left (test_dir_hygiene.sh; `make check` runs 300).
VG_CYCLES ?= 10000
valgrind-loop: tests
	@O=$(O) GPC_VG_CYCLES=$(VG_CYCLES) ONLY=test_dir_hygiene tests/run

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@O=$(O) tests/bench/run

schema-check:
	@scripts/schema2ldif schema/gpcgate.schema | diff -u schema/gpcgate.ldif - && echo "schema: .schema and .ldif agree"

# The README's "Installing on a real directory".  Directories that exist keep
# their owner and mode (an installation changes them: keys/ belongs to the
# daemon's user there), and an existing gpcgate.conf is never replaced.
install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/gpcgate/schema
	install -m 0644 $(PAM_SO) $(DESTDIR)$(PAMDIR)/
	install -m 0755 $(PROVD) scripts/gpcgate-setup-directory $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(CTL) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 schema/* $(DESTDIR)$(PREFIX)/share/gpcgate/schema/
	install -m 0644 scripts/gpcgate-ldif.sh $(DESTDIR)$(PREFIX)/share/gpcgate/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)/lib/systemd/system
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' config/gpcgate-provisiond.service \
	    >$(DESTDIR)/lib/systemd/system/gpcgate-provisiond.service
	chmod 0644 $(DESTDIR)/lib/systemd/system/gpcgate-provisiond.service
	@set -e; for d in 0755:/etc/gpcgate 0700:/etc/gpcgate/keys 0750:/var/log/gpcgate \
	    0750:/var/spool/gpcgate; do \
	    [ -d "$(DESTDIR)$${d#*:}" ] || install -d -m $${d%%:*} "$(DESTDIR)$${d#*:}"; done
	[ -e $(DESTDIR)/etc/gpcgate/gpcgate.conf ] || \
	    install -m 0644 config/gpcgate.conf $(DESTDIR)/etc/gpcgate/

clean:
	rm -f lib/*.o lib/*.a pam_module/*.o pam_module/*.so provisioner/*.o \
	    tests/integration/*.o \
	    $(PROVD) $(CTL) tests/unit/*.o tests/integration/*.o tests/harness/*.o \
	    $(UNIT_BIN) $(INT_BIN) $(HELP_BIN) $(BENCH_BIN) tests/bench/*.o $(PRELOAD_SO)
	rm -f tests/fuzz/*.o $(FUZZ_BIN)
	rm -rf build-asan build-fuzz

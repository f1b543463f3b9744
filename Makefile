# rebound - GNU make.  `make help` lists the targets.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
B       ?= build
PKG_CONFIG ?= pkg-config

# Warnings stay at zero: -Werror is on by default, and packagers whose
# compiler warns about something new can clear it with WERROR=.
WERROR  ?= -Werror
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wvla -Wno-unused-parameter

# parsers/ needs GMime (and GLib under it), PCRE2 and libyaml; agent/ adds
# SQLite, libetpan and GnuTLS.  PCRE2 is not an extra dependency: GLib links
# it already, and rebound calls it directly for its match limits and JIT.
PARSER_PKGS := gmime-3.0 libpcre2-8 yaml-0.1
AGENT_PKGS  := sqlite3 gnutls zlib

# libetpan: Debian's libetpan.pc leaks "-specs=.../no-pie-link.specs" into
# its libs, which would turn the whole program into a non-PIE executable,
# and lists libraries the shared object already pulls in.  So link it by
# name.  Debian ships no libetpan-config; `$(PKG_CONFIG) --exists libetpan`
# is still checked so that a missing package is named.
ETPAN_LIBS := -letpan

NODEPS_GOALS := deps clean help lint
ifeq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_CFLAGS :=
PKG_LIBS :=
else
MISSING := $(shell for p in $(PARSER_PKGS) $(AGENT_PKGS) libetpan; do \
	$(PKG_CONFIG) --exists $$p 2>/dev/null || echo $$p; done)
ifneq ($(MISSING),)
$(error missing development packages ($(MISSING)): run `make deps` first)
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PARSER_PKGS) $(AGENT_PKGS))
PARSER_LIBS := $(shell $(PKG_CONFIG) --libs $(PARSER_PKGS))
AGENT_LIBS := $(shell $(PKG_CONFIG) --libs $(AGENT_PKGS)) $(ETPAN_LIBS)
endif

override CFLAGS += -std=gnu17 $(WARN) $(WERROR) $(PKG_CFLAGS) -I. \
	-DREBOUND_VERSION='"$(VERSION)"' \
	-DREBOUND_DATADIR='"$(DATADIR)/rebound"'
override LDFLAGS += -pthread
VERSION := 0.1.0

CORE_SRC   := $(sort $(wildcard parsers/core/*.c))
PARSER_SRC := $(sort $(wildcard parsers/*.c))
AGENT_SRC  := $(sort $(filter-out agent/main.c,$(wildcard agent/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
PARSER_OBJ := $(call obj,$(CORE_SRC) $(PARSER_SRC))
AGENT_OBJ  := $(call obj,$(AGENT_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(B)/tests/%,$(FUZZ_SRC))

.PHONY: all test check-asan install uninstall clean deps demo lint \
	check-headers help fuzz bench
all: $(B)/rebound

# `make V=1` shows the commands.
Q := $(if $(V),,@)
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libparsers.a: $(PARSER_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/libagent.a: $(AGENT_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/rebound: $(call obj,agent/main.c) $(B)/libagent.a $(B)/libparsers.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(PARSER_LIBS) -lm

# Unit tests link both libraries; each is one TAP program.
$(B)/tests/test_%: tests/unit/test_%.c tests/unit/check.h \
		$(B)/libagent.a $(B)/libparsers.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(B)/libagent.a \
		$(B)/libparsers.a $(LDFLAGS) $(AGENT_LIBS) $(PARSER_LIBS) -lm

# Fuzz targets, linked with a replay driver so that `make test` runs their
# corpora without libFuzzer (OSS-Fuzz's standalone runner pattern).
$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
		$(B)/libagent.a $(B)/libparsers.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZ    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(B)/libagent.a $(B)/libparsers.a $(LDFLAGS) $(AGENT_LIBS) \
		$(PARSER_LIBS) -lm

test: $(B)/rebound $(UNIT_BIN) $(FUZZ_REPLAY)
	@B=$(B) sh tests/run

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
check-asan:
	$(MAKE) B=build-asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" test

# libFuzzer builds (clang) in build-fuzz/; each target runs FUZZ_TIME
# seconds on its corpus (new inputs are kept there) seeded from fixtures/.
FUZZ_TIME ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz:
	$(MAKE) B=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		build-fuzz/libparsers.a build-fuzz/libagent.a
	@for t in $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC)); do \
		echo "  FUZZ    $$t ($(FUZZ_TIME)s)"; \
		clang -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -std=gnu17 -I. \
			$(PKG_CFLAGS) -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c \
			build-fuzz/libagent.a build-fuzz/libparsers.a \
			$(AGENT_LIBS) $(PARSER_LIBS) -lm -pthread || exit 1; \
		mkdir -p build-fuzz/corpus/$$t tests/fuzz/regress/$$t; \
		build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
			-timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=tests/fuzz/regress/$$t/ \
			build-fuzz/corpus/$$t tests/fuzz/regress/$$t fixtures \
			rules || exit 1; \
	done

# Benchmark (issue 6): parse, Sisimai 4.25, the GMime-only ceiling, ingest
# and IMAP figures on the Sisimai corpus repeated to 50,000 messages; prints
# a table and writes bench/results.md (about 3 minutes).  Inputs are made
# once, outside the build tree (BENCH_DATA).  BENCH_RUNS (3), BENCH_BIG=1
# (adds 500,000 messages) and the other knobs are described in bench/run.sh.
bench: $(B)/rebound
	@mkdir -p $(B)/bench
	$(Q)$(CC) -O2 -g $(WARN) $(WERROR) $(PKG_CFLAGS) -o $(B)/bench/ceiling \
		bench/ceiling.c $(PARSER_LIBS)
	$(Q)$(CC) -O2 -g $(WARN) $(WERROR) -o $(B)/bench/imap-ceiling \
		bench/imap-ceiling.c $(ETPAN_LIBS)
	@B=$(B) sh bench/run.sh

deps:
	@sh tools/deps.sh

# The main job on the bundled sample mailbox.
demo: $(B)/rebound
	@sh tools/demo.sh $(B)/rebound

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rebound/rules \
		$(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/rebound $(DESTDIR)$(BINDIR)/rebound
	install -m 0644 rules/*.yaml $(DESTDIR)$(DATADIR)/rebound/rules/
	install -m 0644 data/providers.tsv $(DESTDIR)$(DATADIR)/rebound/
	install -m 0644 agent/rebound.1 $(DESTDIR)$(MANDIR)/man1/rebound.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rebound $(DESTDIR)$(MANDIR)/man1/rebound.1
	rm -rf $(DESTDIR)$(DATADIR)/rebound

# Each header compiles on its own.
check-headers:
	@for h in parsers/core/*.h parsers/*.h agent/*.h; do \
		printf '#include "%s"\n' $$h | $(CC) $(CFLAGS) -x c -fsyntax-only - \
		|| { echo "check-headers: $$h does not stand alone"; exit 1; }; \
	done; echo "check-headers: ok"

# curl's list of banned functions, and no printf-built SQL.
lint:
	@sh tools/lint.sh

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo "targets: all test check-asan deps demo install uninstall" \
		"check-headers lint fuzz bench clean"

-include $(shell find $(B) -name '*.d' 2>/dev/null)

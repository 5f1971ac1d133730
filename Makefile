# probewatch - build, test, benchmark.
#
#   make            build the programs into build/
#   make check      install missing packages (as root), build with ASan and
#                   UBSan, run every test: unit (cmocka), golden fixtures,
#                   command line, daemon, syslog, milter protocol, and end to
#                   end with a private Postfix (tests/run-tests)
#   make demo       live: a private Postfix, the failure, the alerts, the fix
#                   (as root; otherwise the offline scan of the sample log)
#   make bench      throughput and memory against grep on a generated log;
#                   the daemon's detection latency and CPU while following
#   make format-check / make format
#   make fuzz       libFuzzer harnesses (clang) in tests/fuzz/, each for
#                   FUZZ_SECONDS (default 60)
#   make deb        the Debian package in build/deb/ (dpkg-buildpackage)
#
# Packages come from scripts/install-deps (Debian); pkg-config finds them.

CC       ?= cc
PKG_CONFIG ?= pkg-config
O        ?= build
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
STD       = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
# The journal as a log source when libsystemd is there (common/journal.c).
SYSTEMD   := $(shell $(PKG_CONFIG) --exists libsystemd 2>/dev/null && echo yes)
CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(EXTRA_CFLAGS) -Icommon \
             $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null) \
             $(if $(SYSTEMD),-DHAVE_SYSTEMD $(shell $(PKG_CONFIG) --cflags libsystemd))
LIBS      = $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson) -lpthread \
            $(if $(SYSTEMD),$(shell $(PKG_CONFIG) --libs libsystemd))
# Debian's libmilter-dev ships no .pc file.
MILTER_LIBS = $(shell $(PKG_CONFIG) --libs milter 2>/dev/null || echo -lmilter)
TLS_LIBS  = $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

LIB_SRC   = $(wildcard common/*.c)
LIB_OBJ   = $(patsubst common/%.c,$(O)/common/%.o,$(LIB_SRC))
TEST_SRC  = $(wildcard tests/unit/test_*.c)
TEST_BIN  = $(patsubst tests/unit/%.c,$(O)/tests/%,$(TEST_SRC))
HEADERS   = $(wildcard common/*.h) $(wildcard tests/unit/*.h)

.PHONY: all deps deps-build check unit golden demo bench format format-check clean programs tests sample-config \
	install uninstall man fuzz fuzz-build deb

# Targets that need packages install them first, then build in a fresh make,
# so that pkg-config is asked after the install.
all: deps-build
	@$(MAKE) --no-print-directory programs

MILTER_SRC = $(wildcard milter/*.c)
MILTER_OBJ = $(patsubst milter/%.c,$(O)/milter/%.o,$(MILTER_SRC))
# The metrics endpoint (HTTP, libmicrohttpd) is the daemon's, outside common/.
METRICS_OBJ = $(patsubst metrics/%.c,$(O)/metrics/%.o,$(wildcard metrics/*.c))
HTTPD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
HTTPD_LIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

programs: $(O)/probewatch-scan $(O)/probewatch $(O)/probewatch-pipecheck

deps:
	@scripts/install-deps

deps-build:
	@scripts/install-deps --build

$(O)/common/%.o: common/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(O)/milter/%.o: milter/%.c $(HEADERS) $(wildcard milter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Imilter -Imetrics -c -o $@ $<

$(O)/metrics/%.o: metrics/%.c $(HEADERS) $(wildcard metrics/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(HTTPD_CFLAGS) -Imetrics -c -o $@ $<

$(O)/probewatch: $(MILTER_OBJ) $(METRICS_OBJ) $(O)/libprobewatch.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(MILTER_LIBS) $(HTTPD_LIBS) $(LIBS) $(TLS_LIBS)

$(O)/libprobewatch.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/scan/%.o: scan/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(O)/probewatch-scan: $(O)/scan/main.o $(O)/libprobewatch.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

$(O)/pipecheck/%.o: pipecheck/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(O)/probewatch-pipecheck: $(O)/pipecheck/main.o $(O)/libprobewatch.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(TLS_LIBS)

# The milter's tests drive callbacks.c through a fake seam: no libmilter linked.
$(O)/tests/test_milter: tests/unit/test_milter.c $(O)/milter/callbacks.o $(O)/libprobewatch.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -Imilter -o $@ $< $(O)/milter/callbacks.o $(O)/libprobewatch.a $(TEST_LIBS) $(LIBS)

$(O)/tests/%: tests/unit/%.c $(O)/libprobewatch.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(O)/libprobewatch.a $(TEST_LIBS) $(LIBS)

$(O)/genlog: tests/bench/genlog.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

$(O)/engine_mem: tests/bench/engine_mem.c $(O)/libprobewatch.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(O)/libprobewatch.a $(LIBS)

$(O)/latency: tests/bench/latency.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $< -lpthread

$(O)/mclient: tests/milter/mclient.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

$(O)/faultlog: tests/faults/faultlog.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

$(O)/fakesmtp: tests/e2e/fakesmtp.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $< $(TLS_LIBS)

$(O)/smtpclock: tests/bench/smtpclock.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

# The milter benchmark's reference filters share probewatch's TCP_NODELAY.
# (the load test's reference filter too: built with the test build's flags)
$(O)/benchmilter: tests/bench/benchmilter.c $(O)/milter/nodelay.o
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(OPT) -Imilter -o $@ $^ $(MILTER_LIBS) -lpthread

$(O)/runstat: tests/bench/runstat.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

tests: $(TEST_BIN) $(O)/probewatch-scan $(O)/probewatch $(O)/probewatch-pipecheck $(O)/mclient $(O)/fakesmtp $(O)/smtpclock $(O)/faultlog \
	$(O)/benchmilter

# The test build: AddressSanitizer and UBSan on everything; another
# compiler (make check CC=clang) builds in its own folder.
# make check VALGRIND=1: the same without sanitizers, the unit tests under
# valgrind (memcheck, leaks are errors).
SAN_O = build/san$(if $(filter cc gcc,$(notdir $(CC))),,-$(notdir $(CC)))
ifdef VALGRIND
CHECK_O   = build/valgrind
CHECK_OPT = -O1 -g
else
CHECK_O   = $(SAN_O)
CHECK_OPT = $(SAN_FLAGS)
endif

# The fuzz harnesses are built too and run 30 s each (CHECK_FUZZ_SECONDS).
CHECK_FUZZ_SECONDS ?= 30

check: deps
	@$(MAKE) --no-print-directory format-check
	$(MAKE) O=$(CHECK_O) OPT="$(CHECK_OPT)" tests
	@$(MAKE) --no-print-directory fuzz-build
	VALGRIND=$(VALGRIND) FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) FUZZ_BUILD=$(FUZZ_O) \
		tests/run-tests $(CHECK_O)

unit golden: deps
	$(MAKE) O=$(SAN_O) OPT="$(SAN_FLAGS)" tests
	tests/run-tests $(SAN_O) $@

# The live demo needs root and Postfix (deps installs it); otherwise it
# explains and scans the shipped sample log.
demo: deps-build
	@if [ "$$(id -u)" = 0 ]; then scripts/install-deps; fi
	@$(MAKE) -s --no-print-directory programs $(O)/fakesmtp
	@scripts/demo $(O)

bench: deps-build
	@$(MAKE) --no-print-directory programs $(O)/genlog $(O)/runstat $(O)/latency \
		$(O)/benchmilter $(O)/smtpclock $(O)/engine_mem
	tests/bench/run-bench $(O)
	tests/bench/relay-bench $(O)
	tests/bench/daemon-bench $(O)
	tests/bench/milter-bench $(O)
	tests/bench/engine-mem $(O)

# Fuzzing: the library with coverage for libFuzzer, ASan and UBSan; the
# harnesses in tests/fuzz/ (Debian: clang and libclang-rt-14-dev).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_O        = build/fuzz
FUZZ_SAN      = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_NAMES    = engine config time milter
FUZZ_BIN      = $(patsubst %,$(FUZZ_O)/fuzz_%,$(FUZZ_NAMES))

# The milter harness drives callbacks.c through its own fake seam: no libmilter.
$(FUZZ_O)/fuzz_milter: tests/fuzz/fuzz_milter.c tests/fuzz/fuzz_check.h $(FUZZ_O)/milter/callbacks.o $(FUZZ_O)/libprobewatch.a
	$(FUZZ_CC) $(CFLAGS_ALL) $(FUZZ_SAN) -Imilter -fsanitize=fuzzer -o $@ $< $(FUZZ_O)/milter/callbacks.o $(FUZZ_O)/libprobewatch.a $(LIBS)

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_check.h $(FUZZ_O)/libprobewatch.a
	$(FUZZ_CC) $(CFLAGS_ALL) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_O)/libprobewatch.a $(LIBS)

fuzz-build:
	@scripts/install-deps --fuzz
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=$(FUZZ_CC) \
		OPT="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_O)/libprobewatch.a $(FUZZ_O)/milter/callbacks.o
	@$(MAKE) --no-print-directory O=$(FUZZ_O) $(FUZZ_BIN)

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_O) $(FUZZ_SECONDS)

sample-config: all
	$(O)/probewatch-scan --sample-config > etc/probewatch.conf

# probewatch.conf(5) from the same table (tests/man/run checks it).
man: all
	$(O)/probewatch-scan --sample-config | scripts/gen-conf-man > man/probewatch.conf.5

# Every C file: the programs' folders and every test folder.  The check
# also fails when a C file lies anywhere else (a new folder to add here).
FORMAT_FILES = $(wildcard common/*.[ch] milter/*.[ch] metrics/*.[ch] pipecheck/*.[ch] scan/*.[ch] \
		tests/*/*.[ch])

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@missed=$$(find . \( -path ./build -o -path ./.git \) -prune -o -name '*.[ch]' -print | \
		sed 's|^\./||' | grep -vxF "$$(printf '%s\n' $(FORMAT_FILES))"); \
	if [ -n "$$missed" ]; then echo "format-check: not in FORMAT_FILES: $$missed"; exit 1; fi
	clang-format --dry-run -Werror $(FORMAT_FILES)

# Installation: make install [PREFIX=/usr/local] [DESTDIR=].  The
# configuration lives in $(SYSCONFDIR)/probewatch (the programs' default
# path), never overwritten.  The package (debian/) sets the Debian paths.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/probewatch
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
INSTALL    ?= install
# probewatch-pipecheck is installed when it has been built.
INST_BIN   = $(O)/probewatch-scan $(wildcard $(O)/probewatch-pipecheck)
INST_ETC   = logrotate.d/probewatch rsyslog.d/probewatch.conf
MAN_PAGES  = $(wildcard man/*.[1-8])

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSCONFDIR)/probewatch
	$(INSTALL) -m 755 $(O)/probewatch $(DESTDIR)$(SBINDIR)/probewatch
	$(INSTALL) -m 755 $(INST_BIN) $(DESTDIR)$(BINDIR)/
	@for p in $(MAN_PAGES); do s=$${p##*.}; \
		echo "$(INSTALL) -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done
	@f=$(DESTDIR)$(SYSCONFDIR)/probewatch/probewatch.conf; \
	if [ -e $$f ]; then echo "keeping the existing $$f"; \
	else echo "$(INSTALL) -m 644 etc/probewatch.conf $$f"; \
		$(INSTALL) -m 644 etc/probewatch.conf $$f; fi
	@for e in $(INST_ETC); do f=$(DESTDIR)$(SYSCONFDIR)/$$e; \
		if [ -e $$f ]; then echo "keeping the existing $$f"; \
		else $(INSTALL) -d $$(dirname $$f) && \
		echo "$(INSTALL) -m 644 etc/$$e $$f" && \
		$(INSTALL) -m 644 etc/$$e $$f || exit 1; fi; done
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/probewatch.service >$(DESTDIR)$(UNITDIR)/probewatch.service
	chmod 644 $(DESTDIR)$(UNITDIR)/probewatch.service
	$(INSTALL) -m 644 etc/systemd/probewatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/probewatch.conf
	$(INSTALL) -m 644 etc/systemd/probewatch.tmpfiles $(DESTDIR)$(TMPFILESDIR)/probewatch.conf
	$(INSTALL) -m 644 etc/postfix/main.cf.probewatch $(wildcard docs/alerts.schema.json) \
		$(DESTDIR)$(DATADIR)/

# The configuration and the etc/ files stay (like a package's conffiles
# on "remove"); "make uninstall PURGE=1" removes them too.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/probewatch $(DESTDIR)$(BINDIR)/probewatch-scan \
		$(DESTDIR)$(BINDIR)/probewatch-pipecheck \
		$(DESTDIR)$(UNITDIR)/probewatch.service \
		$(DESTDIR)$(SYSUSERSDIR)/probewatch.conf $(DESTDIR)$(TMPFILESDIR)/probewatch.conf \
		$(DESTDIR)$(DATADIR)/main.cf.probewatch $(DESTDIR)$(DATADIR)/alerts.schema.json
	@for p in $(MAN_PAGES); do s=$${p##*.}; \
		rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	@if [ -n "$(PURGE)" ]; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/probewatch/probewatch.conf \
			$(addprefix $(DESTDIR)$(SYSCONFDIR)/,$(INST_ETC)); \
		rmdir $(DESTDIR)$(SYSCONFDIR)/probewatch 2>/dev/null || true; fi

# The Debian package (debian/): build/deb/probewatch.deb, rebuilt only
# when a file changed; tests/pkg/run installs and purges it.
deb: deps-build
	@scripts/install-deps --deb
	scripts/build-deb build/deb

clean:
	rm -rf build

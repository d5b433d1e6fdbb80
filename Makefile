# allowsync — one plain Makefile.  Everything but src/main.c goes into a
# static library that the binary, the unit tests and the fuzzers link.
# Out-of-tree builds: make BUILD=build-asan …

VERSION    := 0.1.0
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/allowsync
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
STATEDIR   ?= /var/lib/allowsync
INSTALL_CRON ?= yes
DESTDIR    ?=
BUILD      ?= build
# Build steps run this many jobs at once; the tests run one after another.
NPROC      := $(shell nproc 2>/dev/null || echo 2)
FIXTURES   ?= $(abspath tests/fixtures)

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libcurl libcjson libnftnl libmnl libipset inih libcares libsodium zlib

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wformat-security -Wvla -Wwrite-strings \
	-Wundef -Wcast-qual -Wnull-dereference -Wimplicit-fallthrough \
	-Werror=implicit-function-declaration

CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
ALL_CPPFLAGS = -Iinclude -D_GNU_SOURCE -DALLOWSYNC_VERSION='"$(VERSION)"' \
	-DALLOWSYNC_DATADIR='"$(DATADIR)"' -DALLOWSYNC_SYSCONFDIR='"$(SYSCONFDIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
ALL_CFLAGS = -std=c11 -pthread $(WARN) $(CFLAGS)
# libcurl is compiled against but opened at run time (see curlload.h).
LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null) -ldl -pthread

# One line a module, in data-flow order.
LIB_SRCS := \
	src/err.c \
	src/log.c \
	src/pfx.c \
	src/pset.c \
	src/parse_text.c \
	src/confkv.c \
	src/confval.c \
	src/atomicfile.c \
	src/outfile.c \
	src/lock.c \
	src/hook.c \
	src/postconf.c \
	src/postfix_use.c \
	src/state.c \
	src/policy.c \
	src/source.c \
	src/parallel.c \
	src/src_static.c \
	src/src_file.c \
	src/out_text.c \
	src/out_postfix.c \
	src/cidrfile.c \
	src/out_nginx.c \
	src/out_exim.c \
	src/nl.c \
	src/nftstate.c \
	src/out_nft.c \
	src/out_nftfile.c \
	src/ipsetnl.c \
	src/out_ipset.c \
	src/registry.c \
	src/preset.c \
	src/conf.c \
	src/metrics.c \
	src/run.c \
	src/cmd_run.c \
	src/cmd_check.c \
	src/cmd_show.c \
	src/cmd_why.c \
	src/statusjson.c \
	src/cmd_status.c \
	src/jsonpath.c \
	src/parse_json.c \
	src/docformat.c \
	src/curlload.c \
	src/url.c \
	src/http.c \
	src/authfile.c \
	src/src_url.c \
	src/minisign.c \
	src/sigcheck.c \
	src/cmd_keygen.c \
	src/pubdoc.c \
	src/spfzone.c \
	src/publish.c \
	src/gzip.c \
	src/splay.c \
	src/cmd_publish.c \
	src/sigsrc.c \
	src/cmd_aggregate.c \
	src/dns.c \
	src/spf.c \
	src/cmd_spf.c \
	src/src_spf.c \
	src/cmd_presets.c \
	src/maillog.c \
	src/triage.c \
	src/cmd_triage.c \
	src/cmd_help.c \
	src/plural.c

# One test per module: tests/unit/test_MODULE.c
UNIT_TESTS := \
	err \
	parallel \
	cmd_help \
	maillog \
	triage \
	plural \
	lock \
	outfile \
	registry \
	out_nft \
	out_ipset \
	src_url \
	src_file \
	curlload \
	http \
	url \
	authfile \
	docformat \
	dns \
	spf \
	src_spf \
	confkv \
	confval \
	preset \
	conf \
	policy \
	state \
	statusjson \
	atomicfile \
	hook \
	postconf \
	postfix_use \
	out_postfix \
	out_text \
	cidrfile \
	out_nginx \
	out_exim \
	run \
	metrics \
	nl \
	nftstate \
	jsonpath \
	parse_json \
	minisign \
	sigcheck \
	pubdoc \
	spfzone \
	publish \
	gzip \
	splay \
	sigsrc \
	pfx \
	pset \
	parse_text

FUZZERS := \
	fuzz_conf \
	fuzz_jsonpath \
	fuzz_parse_json \
	fuzz_spf \
	fuzz_minisign \
	fuzz_pubdoc \
	fuzz_pfx \
	fuzz_parse_text

# Debian packages the build and the tests need (make deps installs them).
DEB_DEPS := build-essential pkg-config clang libclang-rt-14-dev \
	libcurl4-openssl-dev libcjson-dev libnftnl-dev libmnl-dev libinih-dev \
	libc-ares-dev libsodium-dev zlib1g-dev libcmocka-dev libssl-dev \
	python3 python3-yaml iprange nftables ipset libipset-dev iptables iproute2 postfix openssl nginx-light jq \
	minisign nsd dnsutils time procps strace bash-completion python3-prometheus-client haproxy libidn12 spamassassin \
	debhelper lintian rpm rpmlint mandoc man-db groff-base cpio systemd

# Where make deps keeps Debian's exim4-daemon-light package (see deps).
EXIM_DEB_DIR := /var/cache/apt/archives

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/liballowsync.a
BIN       := $(BUILD)/allowsync
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)

.PHONY: all deps demo check unit unit-bins integration asan asan-unit check-integration bench fuzz fuzz-smoke install uninstall clean
.PHONY: deb rpm

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lcmocka

# test_src_url answers the source's requests with an HTTPS server of its own.
$(BUILD)/tests/test_src_url: TEST_LIBS = $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null)

-include $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d $(UNIT_TESTS:%=$(BUILD)/tests/unit/test_%.d)

# Installs the missing Debian build and test dependencies (as root).
deps:
	@missing=$$(for p in $(DEB_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing $$missing"; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends $$missing >/dev/null || exit 1; \
	fi
	@# Debian's Exim cannot be installed beside postfix (both are the
	@# mail-transport-agent): the exim cases unpack it from its package,
	@# which is fetched here, next to apt's own downloads.
	@command -v exim4 >/dev/null || ls $(EXIM_DEB_DIR)/exim4-daemon-light_*.deb >/dev/null 2>&1 || \
		{ echo "make deps: downloading exim4-daemon-light (unpacked by the exim cases)"; \
		  cd $(EXIM_DEB_DIR) && apt-get -o DPkg::Lock::Timeout=300 download exim4-daemon-light \
			>/dev/null 2>&1; } || { echo "make deps: cannot download exim4-daemon-light"; exit 1; }

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(BIN)

# The stages run one after the other, timed, each even when an earlier one
# failed; the end names every failed program or case with its log's tail.
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all unit-bins
	@MAKE="$(MAKE)" BUILD="$(BUILD)" sh tests/check.sh

unit-bins: $(UNIT_BINS)

unit: $(UNIT_BINS)
	@BUILD=$(abspath $(BUILD)) FIXTURES=$(FIXTURES) sh tests/unit/run.sh $(UNIT_BINS)

integration: $(BIN)
	@ALLOWSYNC=$(abspath $(BIN)) FIXTURES=$(FIXTURES) BUILD=$(abspath $(BUILD)) \
		INTEGRATION_SKIP="$(INTEGRATION_SKIP)" INTEGRATION_ONLY="$(INTEGRATION_ONLY)" \
		sh tests/integration/run.sh

# The unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
# (leak checking included), in their own build tree.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_MAKE = $(MAKE) --no-print-directory BUILD=$(BUILD)-asan CFLAGS="$(SAN_FLAGS)" \
	LDFLAGS="-fsanitize=address,undefined"
asan-unit:
	@$(SAN_MAKE) -j$(NPROC) all unit-bins
	@$(SAN_MAKE) unit
# Then the integration cases with the sanitized binary, but the package
# cases (they build and install their own binary, and LeakSanitizer cannot
# run inside the systemd sandbox that pkg_systemd starts).
asan: asan-unit
	@$(SAN_MAKE) integration INTEGRATION_SKIP=pkg_

# make check's integration stage: every case once — the package cases
# with the plain build (they package it), all others with the sanitized
# binary, so that the suite's longest stage is not run twice.
check-integration:
	@$(SAN_MAKE) -j$(NPROC) all
	@$(SAN_MAKE) integration INTEGRATION_SKIP=pkg_; a=$$?; \
	$(MAKE) --no-print-directory integration INTEGRATION_ONLY=pkg_; b=$$?; \
	[ $$a -eq 0 ] && [ $$b -eq 0 ]

# libFuzzer harnesses (clang); fuzz-smoke runs each briefly, from the
# seeds in tests/fuzz/corpus/NAME if any (what it finds goes to the build
# directory, the first corpus given) and the JSON readers with json.dict.
FUZZ_BUILD := $(BUILD)-fuzz
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
fuzz:
	@$(MAKE) --no-print-directory -j$(NPROC) CC=clang BUILD=$(FUZZ_BUILD) CFLAGS="$(FUZZ_FLAGS)" \
		$(FUZZERS:%=$(FUZZ_BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz-smoke:
	@if command -v clang >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory fuzz && \
		sh tests/fuzz/smoke.sh $(FUZZ_BUILD) $(NPROC) $(FUZZERS); \
	else echo "fuzz: clang not installed, skipped"; fi

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(abspath $(BUILD)) ALLOWSYNC=$(abspath $(BIN)) FIXTURES=$(FIXTURES) \
		sh tests/bench/run.sh

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/allowsync
	install -D -m 0644 packaging/presets.conf $(DESTDIR)$(DATADIR)/presets.conf
	install -D -m 0644 packaging/output-paths.conf $(DESTDIR)$(DATADIR)/output-paths.conf
	@# OnFailure= examples: the administrator copies them into /etc/systemd/system.
	install -D -m 0644 systemd/allowsync-onfailure.conf $(DESTDIR)$(DATADIR)/onfailure.conf
	$(INSTALL_SED) systemd/allowsync-failure@.service >$(DESTDIR)$(DATADIR)/allowsync-failure@.service
	chmod 0644 $(DESTDIR)$(DATADIR)/allowsync-failure@.service
	install -D -m 0644 packaging/allowsync.8 $(DESTDIR)$(MANDIR)/man8/allowsync.8
	install -D -m 0644 packaging/allowsync.conf.5 $(DESTDIR)$(MANDIR)/man5/allowsync.conf.5
	install -D -m 0644 packaging/allowsync.bash-completion $(DESTDIR)$(BASHCOMPDIR)/allowsync
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(STATEDIR)
	for u in allowsync.service allowsync.timer allowsync-restore.service; do \
		$(INSTALL_SED) systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	@# The configuration is the administrator's: installed once, never replaced.
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/allowsync/allowsync.conf ]; then \
		install -D -m 0644 packaging/allowsync.conf \
			$(DESTDIR)$(SYSCONFDIR)/allowsync/allowsync.conf; fi
	@# cron.d: for hosts without systemd (the job is commented out as shipped).
	if [ "$(INSTALL_CRON)" = yes ]; then \
		install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/cron.d && \
		$(INSTALL_SED) packaging/allowsync.cron >$(DESTDIR)$(SYSCONFDIR)/cron.d/allowsync && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/cron.d/allowsync; fi

# Units and the cron file name /usr/sbin and /etc; follow SBINDIR/SYSCONFDIR.
INSTALL_SED = sed -e 's|/usr/sbin/allowsync|$(SBINDIR)/allowsync|g' \
	-e 's|/etc/allowsync/|$(SYSCONFDIR)/allowsync/|g' \
	-e 's|/usr/share/allowsync/|$(DATADIR)/|g'

# Leaves the configuration and the state directory (the administrator's).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/allowsync
	rm -f $(DESTDIR)$(DATADIR)/presets.conf
	rm -f $(DESTDIR)$(DATADIR)/output-paths.conf $(DESTDIR)$(DATADIR)/onfailure.conf \
		$(DESTDIR)$(DATADIR)/allowsync-failure@.service
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	rm -f $(DESTDIR)$(MANDIR)/man8/allowsync.8 $(DESTDIR)$(MANDIR)/man5/allowsync.conf.5
	rm -f $(DESTDIR)$(BASHCOMPDIR)/allowsync
	rm -f $(DESTDIR)$(UNITDIR)/allowsync.service $(DESTDIR)$(UNITDIR)/allowsync.timer \
		$(DESTDIR)$(UNITDIR)/allowsync-restore.service
	rm -f $(DESTDIR)$(SYSCONFDIR)/cron.d/allowsync

# Packages, built from a copy of the tree under $(BUILD) (see "Installing"
# in README.md).  deb: dpkg-buildpackage with
# packaging/debian; rpm: rpmbuild (Debian's rpm package) with
# packaging/rpm/allowsync.spec, --nodeps since the BuildRequires name
# Fedora/RHEL packages.
PKG_TREE := Makefile LICENSE README.md docs src include packaging systemd
PKG_ENV  := env -u BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	-u CFLAGS -u CPPFLAGS -u LDFLAGS -u DESTDIR -u PREFIX
DEB_DIR  := $(BUILD)/deb
RPM_DIR  := $(BUILD)/rpm

deb:
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	[ "$$v" = "$(VERSION)" ] || { echo "packaging/debian/changelog: $$v, Makefile: $(VERSION)"; exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/allowsync-$(VERSION)
	tar -cf - $(PKG_TREE) | tar -xf - -C $(DEB_DIR)/allowsync-$(VERSION)
	cp -R packaging/debian $(DEB_DIR)/allowsync-$(VERSION)/debian
	@# Without this make's variables (BUILD=… from the command line or the
	@# environment) would reach the package's own make, whose clean would
	@# remove the caller's build tree.
	@# parallel=: dh hands make -jN (the package's build is most of the time).
	cd $(DEB_DIR)/allowsync-$(VERSION) && $(PKG_ENV) DEB_BUILD_OPTIONS="parallel=$(NPROC) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	@ls $(DEB_DIR)/allowsync_$(VERSION)_*.deb

rpm:
	@v=$$(sed -n 's/^Version: *//p' packaging/rpm/allowsync.spec); \
	[ "$$v" = "$(VERSION)" ] || { echo "packaging/rpm/allowsync.spec: $$v, Makefile: $(VERSION)"; exit 1; }
	rm -rf $(RPM_DIR) && mkdir -p $(RPM_DIR)/SOURCES $(RPM_DIR)/stage/allowsync-$(VERSION)
	tar -cf - $(PKG_TREE) | tar -xf - -C $(RPM_DIR)/stage/allowsync-$(VERSION)
	tar -czf $(RPM_DIR)/SOURCES/allowsync-$(VERSION).tar.gz -C $(RPM_DIR)/stage allowsync-$(VERSION)
	$(PKG_ENV) rpmbuild -bb --nodeps --define "_topdir $(abspath $(RPM_DIR))" \
		--define "_enable_debug_packages 1" \
		--define "packager allowsync developers <dev@allowsync.invalid>" \
		packaging/rpm/allowsync.spec >$(RPM_DIR)/build.log 2>&1 || \
		{ tail -40 $(RPM_DIR)/build.log; exit 1; }
	@ls $(RPM_DIR)/RPMS/*/allowsync-$(VERSION)-*.rpm

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz

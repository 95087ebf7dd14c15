# easd build. `make` builds build/easd and build/easctl; `make check` runs every test under
# AddressSanitizer + UndefinedBehaviorSanitizer; `make run` starts a demo server; `make bench`
# runs the benchmarks; `make fuzz` runs the libFuzzer targets.
#
# Variables: O (output directory, default build), CC (gcc or clang), SAN (empty, asan or fuzz).

O ?= build
SAN ?=
CC ?= cc
FUZZ_TIME ?= 60

PKGS := libmicrohttpd sqlite3 libsodium glib-2.0 libxml-2.0 libcurl gnutls libical
TEST_PKGS := check libwbxml2

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter
CPPFLAGS := -Isrc -include src/lib/banned.h -D_GNU_SOURCE
BASE_CFLAGS := -std=c17 $(WARN) -g -pthread -MMD -MP

ifeq ($(SAN),asan)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN := -fsanitize=address,undefined
else ifeq ($(SAN),fuzz)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -DEASD_FUZZING
  LDSAN := -fsanitize=address,undefined
else
  OPT := -O2
  LDSAN :=
endif

CFLAGS ?=
ALL_CFLAGS := $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS := $(PKG_LIBS) -lm

# Layers from the bottom up, and what each may use (../shared/ARCHITECTURE.md).
LAYERS := lib wbxml store pim mail eas server
DEPS_lib :=
DEPS_wbxml := lib
DEPS_store := lib
DEPS_pim := store wbxml lib
DEPS_mail := pim store wbxml lib
DEPS_eas := mail pim store wbxml lib
DEPS_server := eas mail pim store wbxml lib
DEPS_cmd := server eas mail pim store wbxml lib

is_aux = $(filter test-% fuzz-%,$(notdir $(1)))
layer_srcs = $(foreach f,$(wildcard src/$(1)/*.c),$(if $(call is_aux,$(f)),,$(f)))
obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

# One static library per layer that has sources.
define layer_rules
SRCS_$(1) := $$(call layer_srcs,$(1))
OBJS_$(1) := $$(call obj,$$(SRCS_$(1)))
ARCHIVE_$(1) := $$(if $$(SRCS_$(1)),$(O)/libeas-$(1).a)
$(O)/libeas-$(1).a: $$(OBJS_$(1))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

# Archives to link for code of layer $(1): itself and everything it may use, top first.
archives = $(foreach l,$(1) $(DEPS_$(1)),$(ARCHIVE_$(l)))

# Daemon and admin tool.
CMD_COMMON := $(filter-out src/cmd/easd.c src/cmd/easctl%.c src/cmd/test-%.c,$(wildcard src/cmd/*.c))
EASCTL_SRCS := $(wildcard src/cmd/easctl*.c)
CMD_ARCHIVES := $(foreach l,$(DEPS_cmd),$(ARCHIVE_$(l)))

$(O)/easd: $(call obj,src/cmd/easd.c $(CMD_COMMON)) $(CMD_ARCHIVES)
	$(CC) $(LDSAN) -pthread -o $@ $(filter %.o,$^) $(CMD_ARCHIVES) $(LDLIBS)

$(O)/easctl: $(call obj,$(EASCTL_SRCS) $(CMD_COMMON)) $(CMD_ARCHIVES)
	$(CC) $(LDSAN) -pthread -o $@ $(filter %.o,$^) $(CMD_ARCHIVES) $(LDLIBS)

# Unit tests: src/LAYER/test-NAME.c becomes $(O)/test/LAYER-test-NAME.
define unit_test_rule
$(O)/test/$(1)-$(basename $(notdir $(2))): $(call obj,$(2)) $$(call archives,$(1))
	@mkdir -p $$(@D)
	$$(CC) $$(LDSAN) -pthread -o $$@ $$< $$(call archives,$(1)) $$(TEST_LIBS) $$(LDLIBS)
UNIT_TESTS += $(O)/test/$(1)-$(basename $(notdir $(2)))
endef
UNIT_TESTS :=
$(foreach l,$(LAYERS) cmd,$(foreach t,$(wildcard src/$(l)/test-*.c),$(eval $(call unit_test_rule,$(l),$(t)))))

# End-to-end tests: tests/e2e-NAME.c, linked with the harness (the other tests/*.c).
HARNESS_SRCS := $(filter-out tests/e2e-%.c,$(wildcard tests/*.c))
E2E_ARCHIVES := $(call archives,wbxml)
define e2e_rule
$(O)/test/$(basename $(notdir $(1))): $(call obj,$(1) $(HARNESS_SRCS)) $(E2E_ARCHIVES)
	@mkdir -p $$(@D)
	$$(CC) $$(LDSAN) -pthread -o $$@ $$(filter %.o,$$^) $(E2E_ARCHIVES) $$(TEST_LIBS) $$(LDLIBS)
E2E_TESTS += $(O)/test/$(basename $(notdir $(1)))
endef
E2E_TESTS :=
$(foreach t,$(wildcard tests/e2e-*.c),$(eval $(call e2e_rule,$(t))))

# Benchmarks: bench/NAME.c, linked with everything (and libwbxml2 for comparisons).
ALL_ARCHIVES := $(CMD_ARCHIVES)
define bench_rule
$(O)/bench/$(basename $(notdir $(1))): $(call obj,$(1)) $(ALL_ARCHIVES)
	@mkdir -p $$(@D)
	$$(CC) $$(LDSAN) -pthread -o $$@ $$< $(ALL_ARCHIVES) $$(TEST_LIBS) $$(LDLIBS)
BENCHES += $(O)/bench/$(basename $(notdir $(1)))
endef
BENCHES :=
$(foreach b,$(wildcard bench/*.c),$(eval $(call bench_rule,$(b))))

# Fuzz targets: src/LAYER/fuzz-NAME.c, only in the SAN=fuzz build (clang).
define fuzz_rule
$(O)/fuzz/$(basename $(notdir $(2))): $(call obj,$(2)) $$(call archives,$(1))
	@mkdir -p $$(@D)
	$$(CC) -fsanitize=fuzzer,address,undefined -o $$@ $$< $$(call archives,$(1)) $$(LDLIBS)
FUZZERS += $(O)/fuzz/$(basename $(notdir $(2)))
endef
FUZZERS :=
$(foreach l,$(LAYERS),$(foreach t,$(wildcard src/$(l)/fuzz-*.c),$(eval $(call fuzz_rule,$(l),$(t)))))

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(if $(filter test-% e2e-% bench/% tests/%,$(notdir $<) $<),$(TEST_CFLAGS)) -c -o $@ $<

.DEFAULT_GOAL := all
.PHONY: all tests check run bench fuzz fuzz-bins benches clean install

all: $(O)/easd $(O)/easctl

tests: all $(UNIT_TESTS) $(E2E_TESTS)

benches: all $(BENCHES)

fuzz-bins: $(FUZZERS)

# The README's test command: installs what the tests need, builds with sanitizers, runs all.
check:
	scripts/deps.sh test
	$(MAKE) O=build/asan SAN=asan tests
	scripts/run-tests.sh build/asan

# The README's run command: installs what is missing, builds, starts a demo server.
run:
	scripts/deps.sh run
	$(MAKE) all
	scripts/run-demo.sh $(O)

bench:
	scripts/deps.sh bench
	$(MAKE) O=build/bench benches
	scripts/run-benches.sh build/bench

fuzz:
	scripts/deps.sh fuzz
	$(MAKE) O=build/fuzz SAN=fuzz CC=clang fuzz-bins
	scripts/run-fuzz.sh build/fuzz $(FUZZ_TIME)

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# Installs the binaries, the systemd unit and (if there is none) the example configuration.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/easd
	install -m 0755 $(O)/easd $(O)/easctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 contrib/easd.service $(DESTDIR)/etc/systemd/system/easd.service
	test -e $(DESTDIR)/etc/easd/easd.conf || install -m 0644 contrib/easd.conf $(DESTDIR)/etc/easd/easd.conf
	install -d $(DESTDIR)$(PREFIX)/share/doc/easd
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/easd/README.md

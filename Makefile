# spetl -- build, test, sanitize, benchmark, demo.
#
#   make            bin/spetl, bin/hubspot-sim, bin/spetl-sample
#   make test       every Check suite (starts its own PostgreSQL and simulator)
#   make asan       the same under AddressSanitizer + UBSan
#   make valgrind   the unit suites under valgrind (CK_FORK=no)
#   make fuzz       the libFuzzer targets of tests/fuzz/ (clang; see README "Fuzzing")
#   make bench      prints figures; never a pass/fail
#   make coverage   every suite on a gcov build (build-cov/), then line coverage of etl/ per folder
#   make demo       sample database + simulator + the demo job
#   make install    PREFIX=/usr/local
#   make lint       banned functions and the library seams
#   make windows    bin/spetl.exe for 64-bit Windows (mingw-w64; mk/windows.mk)
#   make test-windows  the Windows build's suites, validate and an export, under wine64
#
# Packages: scripts/install-deps.sh installs them when run as root, or names them;
# the targets that build run it once per build folder ($(BUILD)/.deps-ok).
# scripts/windows-deps.sh does the same for the Windows build.

PREFIX  ?= /usr/local
BUILD   ?= build
BIN     ?= bin
CC      ?= cc
PKGS    := odbc libcurl jansson libxml-2.0
VERSION := 0.1.0

# The packages are checked (and installed, as root) by the targets that build,
# through the stamp $(DEPS): never at parse time, so that `make clean` or
# `make lint` run nothing. The pkg-config flags are read when first used, after
# that step. `make windows` has its own step (scripts/windows-deps.sh).
ifeq ($(TARGET),windows)
# Inside `make windows` (mk/windows.mk): the mingw-w64 compiler and the prefix.
WIN_PREFIX ?= build/win64/prefix
WIN_PKG := PKG_CONFIG_LIBDIR=$(abspath $(WIN_PREFIX))/lib/pkgconfig pkg-config --static
DEPS := $(WIN_PREFIX)/.complete
CC := x86_64-w64-mingw32-gcc-posix
AR := x86_64-w64-mingw32-ar
EXE := .exe
PKG_CFLAGS := $(shell $(WIN_PKG) --cflags libcurl jansson libxml-2.0)
PKG_LIBS := $(shell $(WIN_PKG) --libs libcurl jansson libxml-2.0) -lodbc32
CHECK_CFLAGS := -I$(abspath $(WIN_PREFIX))/include
CHECK_LIBS := -L$(abspath $(WIN_PREFIX))/lib -lcheck
# printf's %zu/%lld as C17 says, not as the old msvcrt does; Windows 7 and later;
# no GDI (its SP_ERROR is a log macro of ours); one static .exe.
CFLAGS += -D__USE_MINGW_ANSI_STDIO=1 -D_WIN32_WINNT=0x0601 -DWIN32_LEAN_AND_MEAN -DNOGDI
LDFLAGS += -static
else
DEPS := $(BUILD)/.deps-ok
lazy = $(eval $(1) := $(shell $(2)))$($(1))
PKG_CFLAGS = $(call lazy,PKG_CFLAGS,pkg-config --cflags $(PKGS))
PKG_LIBS   = $(call lazy,PKG_LIBS,pkg-config --libs $(PKGS))
CHECK_CFLAGS = $(call lazy,CHECK_CFLAGS,pkg-config --cflags check)
CHECK_LIBS   = $(call lazy,CHECK_LIBS,pkg-config --libs check)
MHD_CFLAGS = $(call lazy,MHD_CFLAGS,pkg-config --cflags libmicrohttpd)
MHD_LIBS   = $(call lazy,MHD_LIBS,pkg-config --libs libmicrohttpd)
endif

# Warnings are errors. Each flag is there for a reason:
WARN := -Wall -Wextra -Wpedantic \
        -Werror \
        -Wformat=2 \
        -Wshadow \
        -Wstrict-prototypes \
        -Wmissing-prototypes \
        -Wwrite-strings \
        -Wvla \
        -Wundef \
        -Wduplicated-cond \
        -Wduplicated-branches \
        -Wnull-dereference \
        -Wimplicit-fallthrough \
        -Wno-format-truncation
# -Wall/-Wextra/-Wpedantic: the baseline; -Werror: warnings are errors;
# -Wformat=2: printf-style format checks (non-literal formats too);
# -Wshadow: a local hiding another is a bug waiting; -Wstrict-prototypes and
# -Wmissing-prototypes: every external function is declared in a header;
# -Wwrite-strings: string literals are const; -Wvla: no unbounded stack arrays;
# -Wundef: no typo'd #if macros; -Wduplicated-*: copy-paste branches;
# -Wnull-dereference: provable NULL uses; -Wimplicit-fallthrough: explicit cases;
# -Wno-format-truncation: every message buffer is bounded and cut on purpose.

OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += -std=c17 -D_GNU_SOURCE -DSPETL_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(SANITIZE) \
           -Iinclude $(PKG_CFLAGS)
LDFLAGS += $(SANITIZE)
LDLIBS  = $(PKG_LIBS) -lm -lpthread

LIB_SRC   := $(filter-out etl/main.c,$(wildcard etl/*.c etl/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The job schema is compiled in from its one source, jobs/spetl-job.xsd.
GEN_OBJ   := $(BUILD)/gen/job_xsd.o
LIB       := $(BUILD)/libspetl.a

SIM_SRC   := $(wildcard tests/hubspot-sim/*.c)
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/%.o)
SAMPLE_SRC := $(wildcard samples/gen/*.c)
SAMPLE_OBJ := $(SAMPLE_SRC:%.c=$(BUILD)/%.o)
SUPPORT_SRC := $(wildcard tests/support/*.c)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/unit/check_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

PROGRAMS := $(BIN)/spetl$(EXE)
ifneq ($(TARGET),windows)
ifneq ($(SIM_SRC),)
PROGRAMS += $(BIN)/hubspot-sim
endif
ifneq ($(SAMPLE_SRC),)
PROGRAMS += $(BIN)/spetl-sample
endif
endif

.PHONY: all test asan valgrind bench demo install clean distclean lint tests-build coverage fuzz fuzz-targets fuzz-replay
.DEFAULT_GOAL := all
.SECONDARY:

all: $(PROGRAMS)

$(BUILD)/%.o: %.c | $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/hubspot-sim/%.o: CFLAGS += $(MHD_CFLAGS)
$(BUILD)/tests/unit/%.o $(BUILD)/tests/support/%.o: CFLAGS += $(CHECK_CFLAGS)

$(BUILD)/gen/job_xsd.c: jobs/spetl-job.xsd scripts/embed-xsd.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-xsd.sh jobs/spetl-job.xsd > $@.tmp && mv $@.tmp $@

$(GEN_OBJ): $(BUILD)/gen/job_xsd.c | $(DEPS)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ) $(GEN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/spetl$(EXE): $(BUILD)/etl/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/hubspot-sim: $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(LDLIBS)

$(BIN)/spetl-sample: $(SAMPLE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The packages spetl needs (scripts/install-deps.sh installs them as root).
$(BUILD)/.deps-ok: scripts/install-deps.sh
	./scripts/install-deps.sh
	@pkg-config --exists $(PKGS) check libmicrohttpd \
	    || (echo "missing build dependencies: run scripts/install-deps.sh as root (it names what is missing)" >&2; false)
	@mkdir -p $(dir $@) && touch $@

# The recording ODBC driver check_tsql connects to (tests/odbc-rec/odbcrec.c):
# a shared object loaded by unixODBC, never linked into a program.
$(BUILD)/tests/odbcrec.so: tests/odbc-rec/odbcrec.c | $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SANITIZE),$(CFLAGS)) -fPIC -shared -o $@ $<

$(BUILD)/tests/check_tsql: | $(BUILD)/tests/odbcrec.so

# The C program hook check_hookprog runs on Linux and Windows (no sanitizer:
# its crash must be a plain crash).
$(BUILD)/tests/hookecho$(EXE): tests/hookprog/hookecho.c | $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SANITIZE),$(CFLAGS)) -o $@ $< $(if $(EXE),-static -lshell32)

$(BUILD)/tests/check_hookprog$(EXE): | $(BUILD)/tests/hookecho$(EXE)

tests-build: $(PROGRAMS) $(TEST_BIN)

test: lint tests-build
	BUILD=$(BUILD) BIN=$(BIN) tests/run-tests.sh $(TEST_BIN)

# check_scale's customers (10,000 on each database by default) are fewer under the
# sanitizers: its checks stay the same, the runs take 5 to 20 times longer.
SCALE_SMALL := SPETL_TEST_SCALE=$${SPETL_TEST_SCALE:-3000} SPETL_TEST_PG_SCALE=$${SPETL_TEST_PG_SCALE:-1000}

asan:
	$(SCALE_SMALL) $(MAKE) BUILD=build-asan BIN=build-asan/bin OPT="-O1 -g" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

valgrind: tests-build
	$(SCALE_SMALL) BUILD=$(BUILD) BIN=$(BIN) SPETL_VALGRIND=1 tests/run-tests.sh $(TEST_BIN)

# -O0 so that lines map to code; old counts removed so the figures are this run's.
# The suites' failures are printed and make the target fail, after the table.
coverage:
	@find build-cov -name '*.gcda' -delete 2>/dev/null || true
	@$(SCALE_SMALL) $(MAKE) BUILD=build-cov BIN=build-cov/bin OPT="-O0 -g" SANITIZE="--coverage" test; \
	    rc=$$?; sh tests/support/coverage.sh build-cov; exit $$rc

bench: $(PROGRAMS) $(BENCH_BIN)
	BUILD=$(BUILD) BIN=$(BIN) tests/run-bench.sh $(BENCH_BIN)

demo: $(PROGRAMS)
	BIN=$(BIN) samples/demo.sh

# ---- fuzzing: tests/fuzz/ (README "Fuzzing") --------------------------------
# `make fuzz` builds build-fuzz/fuzz/fuzz_<target> with clang's libFuzzer,
# ASan and UBSan (tests/fuzz/deps.sh installs or names clang's packages);
# tests/fuzz/run.sh runs one. The Check suite check_fuzz_replay (part of
# `make test`, gcc) feeds every corpus file to every target once.
FUZZ_TARGETS := job filter mapping reply
FUZZ_CC      ?= clang-14
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_REPLAY_OBJ := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%.o) \
                   $(BUILD)/tests/fuzz/fuzz_common.o $(BUILD)/tests/fuzz/fake_client.o

fuzz:
	@tests/fuzz/deps.sh $(FUZZ_CC)
	$(MAKE) BUILD=build-fuzz BIN=build-fuzz/bin CC=$(FUZZ_CC) OPT="-O1 -g" \
	    SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-format-nonliteral -Wno-unknown-warning-option" \
	    fuzz-targets
	@echo "fuzz: run one with tests/fuzz/run.sh TARGET SECONDS (targets: $(FUZZ_TARGETS))"

fuzz-targets: $(FUZZ_BIN)

$(BUILD)/fuzz/fuzz_reply: $(BUILD)/tests/fuzz/fake_client.o
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/fuzz_common.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

$(BUILD)/tests/fuzz/replay_%.o: tests/fuzz/fuzz_%.c | $(DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DFUZZ_NAME=$* -MMD -MP -c $< -o $@

# Its own rule, not $(BUILD)/tests/%: the fake request queue must come before
# the library so that client.o is not linked (and it needs no test support).
$(BUILD)/tests/check_fuzz_replay: $(BUILD)/tests/unit/check_fuzz_replay.o $(FUZZ_REPLAY_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

fuzz-replay: $(BUILD)/tests/check_fuzz_replay
	BUILD=$(BUILD) BIN=$(BIN) tests/run-tests.sh $(BUILD)/tests/check_fuzz_replay

install: $(BIN)/spetl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/spetl/sql $(DESTDIR)$(PREFIX)/share/spetl/jobs
	install -m 755 $(BIN)/spetl $(DESTDIR)$(PREFIX)/bin/spetl
	cp -R sql/. $(DESTDIR)$(PREFIX)/share/spetl/sql/
	cp -R jobs/. $(DESTDIR)$(PREFIX)/share/spetl/jobs/

lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)\(' $(LIB_SRC) etl/main.c \
	    || (echo "lint: banned function above" >&2; false)
	@! grep -nE '#include <jansson' $(filter-out etl/hubspot/% etl/hooks/program.c,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: Jansson outside etl/hubspot/ (the seam; etl/hooks/program.c reads hook replies)" >&2; false)
	@! grep -nE '#include <curl/' $(filter-out etl/hubspot/% etl/mail/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: libcurl outside etl/hubspot/ and etl/mail/ (the seams)" >&2; false)
	@! grep -nE '#include <(sql|sqlext)\.h>' $(filter-out etl/db/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: ODBC outside etl/db/ (the seam)" >&2; false)
	@! grep -nE '#include <libxml/' $(filter-out etl/job/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: libxml2 outside etl/job/ (the seam)" >&2; false)
	@! grep -nE 'format\((gnu_)?printf' $(LIB_SRC) etl/main.c $(filter-out include/spetl/platform.h,$(wildcard include/spetl/*.h)) \
	    || (echo "lint: printf format attribute outside platform.h: use SP_PRINTF (Windows needs gnu_printf)" >&2; false)
	@! grep -nE '(^|[^_a-z])(fopen|getenv)\(' $(filter-out etl/core/platform_%,$(LIB_SRC)) etl/main.c \
	    || (echo "lint: fopen/getenv outside the platform seam: use sp_os_fopen/sp_os_getenv (UTF-8 on Windows)" >&2; false)

# clean keeps the Windows libraries (build/win64/prefix: minutes to rebuild);
# distclean removes them too.
clean:
	rm -rf $(filter-out build/win64,$(wildcard build/*)) build/win64/obj build/win64/src \
	    build-asan build-cov build-fuzz bin

distclean: clean
	rm -rf build

include mk/windows.mk

-include $(LIB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(SAMPLE_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) \
         $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d) $(BUILD)/etl/main.d \
         $(FUZZ_REPLAY_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%.d)

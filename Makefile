# spetl -- build, test, sanitize, benchmark, demo.
#
#   make            bin/spetl, bin/hubspot-sim, bin/spetl-sample
#   make test       every Check suite (starts its own PostgreSQL and simulator)
#   make asan       the same under AddressSanitizer + UBSan
#   make valgrind   the unit suites under valgrind (CK_FORK=no)
#   make bench      prints figures; never a pass/fail
#   make coverage   every suite on a gcov build (build-cov/), then line coverage of etl/ per folder
#   make demo       sample database + simulator + the demo job
#   make install    PREFIX=/usr/local
#
# Packages: scripts/install-deps.sh installs them when run as root, or names them.

PREFIX  ?= /usr/local
BUILD   ?= build
BIN     ?= bin
CC      ?= cc
PKGS    := odbc libcurl jansson libxml-2.0
VERSION := 0.1.0

DEPS_OK := $(shell ./scripts/install-deps.sh >&2 && pkg-config --exists $(PKGS) check libmicrohttpd && echo yes)
ifneq ($(DEPS_OK),yes)
$(error missing build dependencies: run scripts/install-deps.sh as root (it names what is missing))
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd)
MHD_LIBS   := $(shell pkg-config --libs libmicrohttpd)

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
LDLIBS  := $(PKG_LIBS) -lm -lpthread

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

PROGRAMS := $(BIN)/spetl
ifneq ($(SIM_SRC),)
PROGRAMS += $(BIN)/hubspot-sim
endif
ifneq ($(SAMPLE_SRC),)
PROGRAMS += $(BIN)/spetl-sample
endif

.PHONY: all test asan valgrind bench demo install clean lint tests-build coverage
.DEFAULT_GOAL := all
.SECONDARY:

all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/hubspot-sim/%.o: CFLAGS += $(MHD_CFLAGS)
$(BUILD)/tests/unit/%.o $(BUILD)/tests/support/%.o: CFLAGS += $(CHECK_CFLAGS)

$(BUILD)/gen/job_xsd.c: jobs/spetl-job.xsd scripts/embed-xsd.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-xsd.sh jobs/spetl-job.xsd > $@.tmp && mv $@.tmp $@

$(GEN_OBJ): $(BUILD)/gen/job_xsd.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ) $(GEN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/spetl: $(BUILD)/etl/main.o $(LIB)
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

# The recording ODBC driver check_tsql connects to (tests/odbc-rec/odbcrec.c):
# a shared object loaded by unixODBC, never linked into a program.
$(BUILD)/tests/odbcrec.so: tests/odbc-rec/odbcrec.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SANITIZE),$(CFLAGS)) -fPIC -shared -o $@ $<

$(BUILD)/tests/check_tsql: | $(BUILD)/tests/odbcrec.so

tests-build: $(PROGRAMS) $(TEST_BIN)

test: tests-build
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

install: $(BIN)/spetl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/spetl/sql $(DESTDIR)$(PREFIX)/share/spetl/jobs
	install -m 755 $(BIN)/spetl $(DESTDIR)$(PREFIX)/bin/spetl
	cp -R sql/. $(DESTDIR)$(PREFIX)/share/spetl/sql/
	cp -R jobs/. $(DESTDIR)$(PREFIX)/share/spetl/jobs/

lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)\(' $(LIB_SRC) etl/main.c \
	    || (echo "lint: banned function above" >&2; false)
	@! grep -nE '#include <(curl/|jansson)' $(filter-out etl/hubspot/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: libcurl or Jansson outside etl/hubspot/ (the seam)" >&2; false)
	@! grep -nE '#include <(sql|sqlext)\.h>' $(filter-out etl/db/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: ODBC outside etl/db/ (the seam)" >&2; false)
	@! grep -nE '#include <libxml/' $(filter-out etl/job/%,$(LIB_SRC) etl/main.c) include/spetl/*.h \
	    || (echo "lint: libxml2 outside etl/job/ (the seam)" >&2; false)

clean:
	rm -rf build build-asan build-cov bin

-include $(LIB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(SAMPLE_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) \
         $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d) $(BUILD)/etl/main.d

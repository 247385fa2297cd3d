# spetl.exe for 64-bit Windows, cross-compiled with Debian's mingw-w64 (the
# POSIX thread model compiler: pthread code builds through winpthreads).
#
#   make windows        bin/spetl.exe (libraries: scripts/windows-deps.sh, once)
#   make test-windows   the pure unit suites, spetl.exe --version, validate of
#                       every job in jobs/ and an end-to-end export of the
#                       demo job (SQLite through Wine's odbc32, the simulator),
#                       under Debian's wine64 (tests/run-windows.sh)
#
# Both run a second make with TARGET=windows and their own BUILD folder.

WIN_PREFIX ?= build/win64/prefix
WIN_BUILD  ?= build/win64/obj
WIN_MAKE   := $(MAKE) TARGET=windows BUILD=$(WIN_BUILD) BIN=$(BIN) WIN_PREFIX=$(WIN_PREFIX)

.PHONY: windows test-windows windows-tests-build

ifneq ($(TARGET),windows)
windows: $(WIN_PREFIX)/.complete
	$(WIN_MAKE) $(BIN)/spetl.exe

# The end-to-end step uses the Linux spetl-sample and hubspot-sim.
test-windows: $(WIN_PREFIX)/.complete $(PROGRAMS)
	scripts/windows-deps.sh $(WIN_PREFIX) --wine
	$(WIN_MAKE) windows-tests-build
	$(WIN_MAKE) windows-tests-run

$(WIN_PREFIX)/.complete: scripts/windows-deps.sh
	scripts/windows-deps.sh $(WIN_PREFIX)
endif

ifeq ($(TARGET),windows)
# CommandLineToArgvW (the UTF-16 command line, etl/core/platform_text.c)
PKG_LIBS += -lshell32

# The suites that need no database, simulator or POSIX process: they run
# under wine64 (tests/run-windows.sh). Check has no fork() there: CK_FORK=no.
WIN_SUITES  := check_core check_filter check_mapping check_payload check_hubspot_pace \
               check_hookprog check_utf16
WIN_SUPPORT := $(BUILD)/tests/support/skip.o $(BUILD)/tests/support/port.o \
               $(BUILD)/tests/support/memstream_win32.o
WIN_TESTS   := $(WIN_SUITES:%=$(BUILD)/tests/%.exe)

$(BUILD)/tests/unit/%.o: CFLAGS += -include tests/support/memstream_win32.h

$(BUILD)/tests/%.exe: $(BUILD)/tests/unit/%.o $(WIN_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

windows-tests-build: $(BIN)/spetl.exe $(WIN_TESTS)

windows-tests-run:
	BUILD=$(BUILD) BIN=$(BIN) tests/run-windows.sh $(WIN_TESTS)
endif

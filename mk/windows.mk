# spetl.exe for 64-bit Windows, cross-compiled with Debian's mingw-w64 (the
# POSIX thread model compiler: pthread code builds through winpthreads).
#
#   make windows        bin/spetl.exe (libraries: scripts/windows-deps.sh, once)
#   make test-windows   the pure unit suites, spetl.exe --version and validate
#                       of every job in jobs/, under Debian's wine64
#
# Both run a second make with TARGET=windows and their own BUILD folder.

WIN_PREFIX ?= build/win64/prefix
WIN_BUILD  ?= build/win64/obj
WIN_MAKE   := $(MAKE) TARGET=windows BUILD=$(WIN_BUILD) BIN=$(BIN) WIN_PREFIX=$(WIN_PREFIX)

.PHONY: windows test-windows

ifneq ($(TARGET),windows)
windows: $(WIN_PREFIX)/.complete
	$(WIN_MAKE) $(BIN)/spetl.exe

$(WIN_PREFIX)/.complete: scripts/windows-deps.sh
	scripts/windows-deps.sh $(WIN_PREFIX)
endif

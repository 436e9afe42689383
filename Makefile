# aimcsim -- GNU Makefile.  `make help` lists the targets.
#
# Layout: sim/ arch/ workloads/ traces/ build a static library
# (build/libaimcsim.a); tools/aimcsim.c is the program; tests/*.c are one
# Criterion binary; tools/bench_*.c are benchmarks.  Objects of the normal
# build go to build/, of the sanitizer build to build-asan/.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
B         ?= build

CC        ?= gcc
CXX       ?= g++
PKGS      := systemc inih zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null)

OPT       ?= -O2
SAN       ?=
WARN      := -Wall -Wextra -Werror
CPPFLAGS  += -I. -DINI_HANDLER_LINENO=1 -DAIMCSIM_VERSION='"$(VERSION)"' -MMD -MP
CFLAGS    ?=
CFLAGS    += -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) -g $(WARN) $(SAN) $(PKG_CFLAGS)
CXXFLAGS  += -std=gnu++17 $(OPT) -g $(WARN) $(SAN) $(PKG_CFLAGS)
LDFLAGS   += $(SAN)
LDLIBS    := $(PKG_LIBS) -lstdc++ -lm

LIB_C     := $(sort $(wildcard sim/*.c arch/*.c workloads/*.c traces/*.c))
LIB_CXX   := $(sort $(wildcard sim/*.cc))
LIB_OBJ   := $(LIB_C:%.c=$(B)/%.o) $(LIB_CXX:%.cc=$(B)/%.o)
LIB       := $(B)/libaimcsim.a
PROG      := $(B)/aimcsim
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TEST_OBJ  := $(TEST_SRC:%.c=$(B)/%.o) $(B)/tests/testutil.o
TESTBIN   := $(B)/aimcsim-tests
BENCH_SRC := $(sort $(wildcard tools/bench_*.c))
BENCHBIN  := $(BENCH_SRC:tools/%.c=$(B)/%)

.PHONY: all run test asan bench clean install deps help check-deps
all: $(PROG)

help:
	@echo "make            build $(PROG)"
	@echo "make run        install missing packages (as root), build, run the main experiment"
	@echo "make test       install missing packages (as root), build, run every test"
	@echo "make asan       the tests under AddressSanitizer and UBSan (build-asan/)"
	@echo "make bench      benchmarks; figures go in docs/performance.md by hand"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make clean"

deps:
	@sh tools/deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

CLI_SRC   := tools/aimcsim.c $(sort $(wildcard tools/cli*.c))
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/%.o)

$(PROG): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Criterion first: libsystemc.so defines main too (reference/systemc-notes.md).
$(TESTBIN): $(TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(TEST_OBJ) -o $@ $(CRIT_LIBS) $(LIB) $(LDLIBS)

$(B)/bench_%: $(B)/tools/bench_%.o $(LIB)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The tests run from the top of the tree (they read configs/ and tests/data/).
# TEST_ARGS passes Criterion options, e.g. TEST_ARGS='--filter=kernel/*'.
test: deps
	@$(MAKE) --no-print-directory $(TESTBIN) $(PROG)
	AIMCSIM=$(PROG) $(TESTBIN) -j2 $(TEST_ARGS)

asan:
	@$(MAKE) --no-print-directory B=build-asan OPT=-O1 \
	  SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	  build-asan/aimcsim-tests build-asan/aimcsim
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
	  AIMCSIM=build-asan/aimcsim build-asan/aimcsim-tests -j2 $(TEST_ARGS)

bench: $(BENCHBIN) $(PROG)
	@echo "== event kernel ($(B)/bench_kernel)"; $(B)/bench_kernel
	@echo; echo "== simulator ($(B)/bench_sim $(PROG))"; $(B)/bench_sim $(PROG)

run: deps
	@$(MAKE) --no-print-directory $(PROG)
	@sh tools/main_experiment.sh $(PROG)

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/aimcsim/configs
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/aimcsim
	cp -R configs/. $(DESTDIR)$(PREFIX)/share/aimcsim/configs/

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)

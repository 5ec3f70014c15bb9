# mmlab - one non-recursive Makefile. Everything it builds goes under build/
# (or build/sanitize/ with SANITIZE=...). `make help` lists the targets.

CC ?= cc
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD := build
SANFLAGS :=
else
BUILD := build/sanitize
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
endif
BIN := $(BUILD)/bin

PKGS := libzmq libsodium
# Berkeley DB needs _DEFAULT_SOURCE (db.h breaks under _POSIX_C_SOURCE) and
# has no pkg-config file.
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wshadow \
          -Wstrict-prototypes -Wmissing-prototypes -MMD -MP $(SANFLAGS) \
          -Icommon -Iclient -Imasters -Ireplicas \
          -Icoordinator -Iexperiments/check -Iexperiments/load
# pkg-config runs when a recipe uses these (recursive `=`), not when make
# reads this file: `make deps test` on a machine without the packages must
# see what `deps` has just installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(CHECK_PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -ldb -lm
# The history checker parses JSON lines with cJSON; only mm-check and the
# unit tests (which link the checker) need it.
CHECK_PKGS := libcjson
CHECK_LIBS = $(shell pkg-config --libs $(CHECK_PKGS))
LDFLAGS += $(SANFLAGS)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

# Each program's main() lives in a file of its own (mm_*.c, mmctl.c);
# everything else in common/, client/, masters/ and replicas/ goes into one
# library, the engine and the pure modules together. One archive, because
# the engine's files call each other across the folders (the loop in
# common/ calls the writer's and the follower's code and back), and a
# linker resolves such circles inside one archive. A program still links
# only the objects it uses.
MAINS := $(wildcard */mm_*.c */*/mm_*.c) client/mmctl.c
LIB_SRC := $(filter-out $(MAINS),$(wildcard common/*.c client/*.c \
                                             masters/*.c replicas/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libmm.a
# The coordinator's files, and the history checker's pure core (shared by
# mm-check and its unit tests).
COORD_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,\
               $(filter-out $(MAINS),$(wildcard coordinator/*.c)))
CHECK_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,\
               $(wildcard experiments/check/check*.c))
# mm-load's run, and its pure core (what each client sends, and the history
# line format; unit-tested).
LOAD_CORE_OBJ := $(BUILD)/obj/experiments/load/workload.o \
                 $(BUILD)/obj/experiments/load/history.o
LOAD_OBJ := $(BUILD)/obj/experiments/load/load.o \
            $(BUILD)/obj/experiments/load/sampler.o $(LOAD_CORE_OBJ)

PROGRAMS := mm-master mm-replica mmctl mm-load mm-check mm-freeport mm-rawsend \
            mm-genhistory mm-coordinator mm-flood
PROG_BINS := $(PROGRAMS:%=$(BIN)/%)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit cluster-test bench demo deps format format-check \
        clean help
all: $(PROG_BINS)

help:
	@echo "make            build every program into $(BIN)/"
	@echo "make deps       install the Debian packages mmlab needs (root)"
	@echo "make test       unit tests, then cluster tests with real processes"
	@echo "make unit       unit tests only"
	@echo "make cluster-test  cluster tests only"
	@echo "make bench      benchmarks; table on stdout, $(BUILD)/bench.json"
	@echo "make format     clang-format every C file in place"
	@echo "make format-check  fail if a C file is not clang-formatted"
	@echo "make clean      remove build/"
	@echo "SANITIZE=address,undefined  build and test with sanitizers"

deps:
	./experiments/deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BIN)/mm-master: $(BUILD)/obj/masters/mm_master.o $(LIB)
$(BIN)/mm-replica: $(BUILD)/obj/replicas/mm_replica.o $(LIB)
$(BIN)/mmctl: $(BUILD)/obj/client/mmctl.o $(LIB)
$(BIN)/mm-load: $(BUILD)/obj/experiments/load/mm_load.o $(LOAD_OBJ) $(LIB)
$(BIN)/mm-check: $(BUILD)/obj/experiments/check/mm_check.o $(CHECK_OBJ) $(LIB)
$(BIN)/mm-check: PKG_LIBS += $(CHECK_LIBS)
$(BIN)/mm-freeport: $(BUILD)/obj/tests/freeport.o
$(BIN)/mm-rawsend: $(BUILD)/obj/tests/rawsend.o $(LIB)
$(BIN)/mm-flood: $(BUILD)/obj/tests/flood.o $(LIB)
$(BIN)/mm-genhistory: $(BUILD)/obj/tests/genhistory.o $(LIB)
$(BIN)/mm-coordinator: $(BUILD)/obj/coordinator/mm_coordinator.o $(COORD_OBJ) \
                       $(LIB)

$(PROG_BINS):
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests link the library plus the pure cores of the checker and of
# mm-load.
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(CHECK_OBJ) \
                       $(LOAD_CORE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(CHECK_LIBS) $(PKG_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

cluster-test: all
	UBSAN_OPTIONS=print_stacktrace=1 MM_BIN=$(abspath $(BIN)) tests/cluster/run

test: unit cluster-test

bench: all
	MM_BIN=$(abspath $(BIN)) MM_BUILD=$(abspath $(BUILD)) experiments/bench

demo: all
	MM_BIN=$(abspath $(BIN)) experiments/demo

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(C_FILES)
format-check:
	clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf build

# Keep objects that only pattern rules name (the unit tests'), so a second
# `make test` does not rebuild them.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

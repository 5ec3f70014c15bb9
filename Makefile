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
# What every build of the sources shares, the fuzz build's included.
MM_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wshadow \
             -Wstrict-prototypes -Wmissing-prototypes -MMD -MP \
             -Icommon -Iclient -Imasters -Ireplicas \
             -Icoordinator -Iexperiments/check -Iexperiments/load
CFLAGS += $(MM_CFLAGS) $(SANFLAGS)
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

.PHONY: all test unit cluster-test bench demo labs deps format format-check \
        clean help fuzz fuzz-smoke fuzz-build fuzz-seeds
all: $(PROG_BINS)

help:
	@echo "make            build every program into $(BIN)/"
	@echo "make deps       install the Debian packages mmlab needs (root)"
	@echo "make test       unit tests, a short fuzz pass, then cluster tests"
	@echo "make unit       unit tests only"
	@echo "make cluster-test  cluster tests only"
	@echo "make fuzz       run each libFuzzer harness FUZZ_SECONDS (60);"
	@echo "                crashes are kept in $(FUZZ_DIR)/crashes/"
	@echo "make fuzz-smoke each harness FUZZ_SMOKE_SECONDS (4), as make test"
	@echo "make fuzz-build build the harnesses into $(FUZZ_DIR)/ (clang)"
	@echo "make fuzz-seeds rewrite the binary seeds in tests/fuzz/corpus/"
	@echo "make bench      benchmarks; table on stdout, $(BUILD)/bench.json"
	@echo "make demo       the headline experiments and reports/index.html"
	@echo "make labs       every course lab's check (VARIANT=N: variant N)"
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

test: unit fuzz-smoke cluster-test

# ---- Fuzzing (tests/fuzz/README.md) -----------------------------------
# libFuzzer harnesses, one per parser of untrusted bytes, built with clang
# (libFuzzer is clang's) into build/fuzz/ from the same sources, with
# AddressSanitizer and UBSan. Each harness links only the modules it
# drives; libFuzzer supplies main().
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer $(MM_CFLAGS) $(FUZZ_SAN) \
               -fsanitize=fuzzer-no-link
FUZZ_TARGETS := wire resp config dump history admin node
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
fuzz_obj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,tests/fuzz/fuzz_$(1).c $(2))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_wire: $(call fuzz_obj,wire,common/wire.c common/record.c)
$(FUZZ_DIR)/fuzz_resp: $(call fuzz_obj,resp,common/resp.c)
$(FUZZ_DIR)/fuzz_config: $(call fuzz_obj,config,common/config.c \
                           common/config_keys.c common/hlc.c)
$(FUZZ_DIR)/fuzz_dump: $(call fuzz_obj,dump,common/dump.c common/hlc.c)
$(FUZZ_DIR)/fuzz_history: $(call fuzz_obj,history,\
                            $(wildcard experiments/check/check*.c) \
                            common/dump.c common/hlc.c common/hist.c)
$(FUZZ_DIR)/fuzz_history: FUZZ_LIBS = $(CHECK_LIBS) -lm
$(FUZZ_DIR)/fuzz_admin: $(call fuzz_obj,admin,common/fault.c common/config.c \
                          common/config_keys.c common/hlc.c common/log.c)
# A real node in the harness's process: the engine, from an archive of
# the library's sources (as the programs link it), and its store.
$(FUZZ_DIR)/libmm.a: $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	$(AR) rcs $@ $^
$(FUZZ_DIR)/fuzz_node: $(call fuzz_obj,node,) $(FUZZ_DIR)/libmm.a
$(FUZZ_DIR)/fuzz_node: FUZZ_LIBS = $(PKG_LIBS)

$(FUZZ_BINS):
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

# The binary seeds (frames, request sequences) come from the project's own
# encoders; run this after a change to the frame format.
$(BUILD)/tests/fuzz-seeds: $(BUILD)/obj/tests/fuzz/seeds.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz-seeds: $(BUILD)/tests/fuzz-seeds
	mkdir -p tests/fuzz/corpus/wire tests/fuzz/corpus/node
	$< tests/fuzz/corpus

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

bench: all
	MM_BIN=$(abspath $(BIN)) MM_BUILD=$(abspath $(BUILD)) experiments/bench

demo: all
	MM_BIN=$(abspath $(BIN)) experiments/demo

# Every course lab's check, one after another (docs/teaching.md);
# VARIANT=N gives every lab its variant N.
labs: all
	MM_BIN=$(abspath $(BIN)) experiments/lab all --variant $(or $(VARIANT),1)

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

-include $(shell find $(BUILD)/obj $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# Strom's build.  Plain GNU Make: one file, no generator step, and the three build
# flavours share it (see docs/architecture.md for why Make and not CMake).
#
#   make                 release build (-O2): libstrom.a, libstrom.so, strom, examples
#   make BUILD=debug     AddressSanitizer + UndefinedBehaviorSanitizer build
#   make BUILD=tsan      ThreadSanitizer build
#   make test            the whole suite: release, then ASan+UBSan, then TSan on the
#                        concurrency tests
#   make bench           benchmarks (release)
#   make bench-nexmark   the Nexmark queries (release; BENCH_ARGS to change the runs)
#   make bench-nexmark-sql  the Nexmark SQL scripts through strom sql
#   make fuzz            libFuzzer targets (clang)

BUILD ?= release
O := build/$(BUILD)

CC ?= cc
WARN := -std=c17 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
BASE := $(WARN) -D_GNU_SOURCE -Iinclude -pthread -fPIC -g
ifeq ($(BUILD),release)
  OPT := -O2 -DNDEBUG
else ifeq ($(BUILD),debug)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(BUILD),tsan)
  OPT := -O1 -fsanitize=thread
else
  $(error BUILD must be release, debug or tsan)
endif
CFLAGS := $(BASE) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS := $(OPT) -pthread
LDLIBS := -lxxhash -lzstd -lrdkafka -lpq -lm -ledit

LIB_SRC := $(sort $(wildcard src/core/*.c src/api/*.c src/runtime/*.c src/state/*.c src/checkpoint/*.c src/connectors/*.c src/sql/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(O)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(O)/obj/%.o)
EXAMPLES := $(patsubst examples/%.c,$(O)/examples/%,$(wildcard examples/*.c))
TESTS := $(patsubst tests/%.c,$(O)/tests/%,$(wildcard tests/test_*.c))
BENCHES := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/bench_*.c))
HEADERS := $(wildcard include/*.h include/strom/*.h src/*/*.h tests/*.h bench/*.h)

all: $(O)/libstrom.a $(O)/strom $(EXAMPLES) $(if $(filter release,$(BUILD)),$(O)/libstrom.so)

$(O)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(O)/libstrom.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/libstrom.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/strom: $(CLI_OBJ) $(O)/libstrom.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/examples/%: examples/%.c $(O)/libstrom.a include/strom.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(O)/libstrom.a $(LDFLAGS) $(LDLIBS)

$(O)/tests/%: tests/%.c $(O)/libstrom.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(O)/libstrom.a $(LDFLAGS) $(LDLIBS)

$(O)/bench/%: bench/%.c $(O)/libstrom.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(O)/libstrom.a $(LDFLAGS) $(LDLIBS)

tests: all $(TESTS)

# Runs the suite in this build only.
check: tests
	@tests/run.sh $(O)

# The whole suite, as CI runs it.
# Each stage adds its counts to build/test-totals; the last line is the grand total.
# The stages compile on every core (JOBS); tests/run.sh runs the test binaries in parallel.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test:
	@mkdir -p build && rm -f build/test-totals
	$(MAKE) -j$(JOBS) BUILD=release check
	$(MAKE) -j$(JOBS) BUILD=debug check
	$(MAKE) -j$(JOBS) BUILD=tsan tests
	@TESTS_ONLY="$(TSAN_TESTS)" tests/run.sh build/tsan
	$(MAKE) -j$(JOBS) fuzz
	$(MAKE) fuzz-run FUZZ_SECONDS=10
	@awk '{p += $$1; f += $$2} END {print "all stages (release, ASan+UBSan, TSan, fuzz):"; print p " passed, " f " failed"; exit f > 0}' build/test-totals

TSAN_TESTS := test_runtime test_sql_jobs test_backpressure test_cancel test_checkpoint test_event_time test_windows test_joins test_file_monitor test_postgres test_chain_inputs test_tzif

# ---- fuzzing: libFuzzer targets fuzz/fuzz_*.c, built by clang with ASan+UBSan against
# the library sources compiled (with coverage) into build/fuzz/obj.  fuzz/corpus/NAME
# holds seeds; new inputs go to build/fuzz/corpus/NAME, crashes to build/fuzz/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FUZZ_CFLAGS := -std=c17 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude -Isrc -pthread \
  -Wall -Wextra -Wno-missing-field-initializers -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

$(FUZZ_LIB_OBJ): build/fuzz/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(FUZZ_TARGETS): build/fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJ) $(HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz: $(FUZZ_TARGETS)

fuzz-run: fuzz
	@for t in $(FUZZ_TARGETS); do \
	  n=$$(basename $$t); mkdir -p build/fuzz/corpus/$$n fuzz/corpus/$$n; \
	  echo "== $$n for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/$$n- -print_final_stats=1 \
	    build/fuzz/corpus/$$n fuzz/corpus/$$n 2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	  grep -E '^(Done|stat::number_of_executed_units)' build/fuzz/$$n.log; \
	  echo "1 0" >> build/test-totals; \
	done

.PHONY: fuzz fuzz-run

bench: all $(BENCHES)
	@bench/run.sh $(O)

# Nexmark q0-q5, q7, q8 as DataStream jobs (BENCH_ARGS="--events N --par '1 2' ...").
# Nexmark q14's count_char, a C function library that q14.sql loads with CREATE FUNCTION.
NEXMARK_UDF := $(O)/lib/libnexmark_udf.so
all: $(NEXMARK_UDF)
$(NEXMARK_UDF): bench/nexmark/udf/count_char.c include/strom/sql.h include/strom.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $< $(LDFLAGS)

bench-nexmark: all
	@bench/nexmark/run.sh $(O)

# The Nexmark SQL scripts through strom sql (BENCH_ARGS="--events N --queries '0 1 2'").
bench-nexmark-sql: all
	@bench/nexmark/run_sql.sh $(O)

clean:
	rm -rf build

.PHONY: all tests check test bench bench-nexmark bench-nexmark-sql clean
.DELETE_ON_ERROR:

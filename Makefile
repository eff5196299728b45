# A thin driver over CMake + CTest. Every flavour builds in its own directory:
#   build/       optimised with debug info (make, make check, make demo, make install)
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (make asan)
#   build-fuzz/  clang + libFuzzer harnesses (make fuzz)
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)
# CI turns warnings into errors; a newcomer's different compiler should not stop a build.
WERROR ?= $(if $(CI),ON,OFF)
GENERATOR := $(if $(shell command -v ninja),-G Ninja,)
CMAKE_FLAGS := $(GENERATOR) -DTAPIR_WERROR=$(WERROR)

.PHONY: all deps build check asan fuzz demo install format format-check bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B build $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build build -j $(JOBS)

check: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The same tests under ASan + UBSan; TAPIR_TEST_SCALE scales large transfers down.
asan: deps
	cmake -S . -B build-asan $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DTAPIR_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	TAPIR_TEST_SCALE=0.25 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# Each harness runs for FUZZ_SECONDS, starting from the seed corpus extracted from the
# golden packets; new inputs go to build-fuzz/work/<name>/.
fuzz: deps
	CC=clang cmake -S . -B build-fuzz $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DTAPIR_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build build-fuzz -j $(JOBS)
	@set -e; for name in $$(tr ';' ' ' < build-fuzz/fuzz-harnesses.txt); do \
		mkdir -p build-fuzz/work/$$name; \
		echo "== fuzz_$$name for $(FUZZ_SECONDS) s"; \
		dirs="build-fuzz/work/$$name"; \
		for d in build-fuzz/fuzz-corpus/$$name fuzz/regress/$$name; do \
			if [ -d $$d ]; then dirs="$$dirs $$d"; fi; \
		done; \
		build-fuzz/bin/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/work/$$name- $$dirs \
			2>build-fuzz/work/$$name.log || { tail -50 build-fuzz/work/$$name.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build-fuzz/work/$$name.log || true; \
	done

demo: build
	@scripts/demo.sh

bench: build
	build/bin/bench_checksum
	build/bin/bench_parse

install: build
	DESTDIR=$(DESTDIR) cmake --install build --prefix $(PREFIX)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build build-asan build-fuzz

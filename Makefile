# lmemu: the two commands of the README, and their parts.
#   make run   - install what is missing, build, run the built-in cases
#   make test  - install what is missing, build, run every test (plus ASan/UBSan),
#                fuzz the case-file loader for FUZZ_SECONDS, and check the
#                suite's time against its budget

DEBIAN_PACKAGES := cmake ninja-build pkg-config g++ clang lld \
	libunicorn-dev libcapstone-dev libelf-dev libdw-dev libtomlplusplus-dev \
	libfmt-dev libcli11-dev nlohmann-json3-dev doctest-dev libclang-rt-dev libxxhash-dev
BUILD      ?= build
# Sanitized (clang, ASan+UBSan) and holding the libFuzzer targets: the core
# is compiled twice per suite, not three times.
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60
JOBS       ?= 2
# Guest objects and kernels, inside the build tree, shared by both builds and
# every test: clang compiles them, whatever compiles the host.
export LMEMU_CACHE ?= $(CURDIR)/$(BUILD)/guest-cache
# The suite's time budget. A test over SLOW_SECONDS must carry the ctest label
# `slow` (tests/CMakeLists.txt), and the slow tests of a build together must
# stay within its budget, so the suite cannot silently grow back (a suite
# that needs more must be made faster, or the budget raised in review).
SLOW_SECONDS        ?= 30
# Measured from a fresh clone: 158.5 s (corpus-run, with the cold guest
# compiles; three explored cases more than at 200) + 33.3 s (e2e-load) =
# 191.8 s, and 163.3 s sanitized.
SLOW_BUDGET         ?= 230
ASAN_SLOW_BUDGET    ?= 250

.PHONY: run test deps build build-asan test-unit test-asan fuzz bench clean

run: build
	./$(BUILD)/lmemu run

test: test-unit test-asan fuzz

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMEMU_GUEST_CACHE=$(LMEMU_CACHE)
	cmake --build $(BUILD) -j $(JOBS)

# -O1, as AddressSanitizer's documentation advises: the same checks (asserts
# stay on), and the explored cases run about twice as fast as at -O0.
build-asan: deps
	@# A tree configured for another compiler (g++ before) cannot switch in place.
	@if [ -f $(ASAN_BUILD)/CMakeCache.txt ] && ! grep -qs '^CMAKE_CXX_COMPILER:.*clang++' $(ASAN_BUILD)/CMakeCache.txt; then \
		echo "$(ASAN_BUILD) was configured for another compiler: configuring it anew for clang++"; rm -rf $(ASAN_BUILD); fi
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
		-DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DLMEMU_SANITIZE=ON -DLMEMU_FUZZ=ON -DLMEMU_GUEST_CACHE=$(LMEMU_CACHE)
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ctest prints each test's wall time; tests/budget.cmake then checks them
# against the labels and the budget, and prints the slowest.
test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --output-junit ctest-junit.xml
	cmake -DJUNIT=$(BUILD)/ctest-junit.xml -DBUILD=$(BUILD) -DSLOW_SECONDS=$(SLOW_SECONDS) -DBUDGET=$(SLOW_BUDGET) \
		-P tests/budget.cmake

test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --output-junit ctest-junit.xml
	cmake -DJUNIT=$(ASAN_BUILD)/ctest-junit.xml -DBUILD=$(ASAN_BUILD) -DSLOW_SECONDS=$(SLOW_SECONDS) \
		-DBUDGET=$(ASAN_SLOW_BUDGET) -P tests/budget.cmake

# libFuzzer (clang, ASan, UBSan) on the case-file loader, seeded with the
# built-in cases, and on the command line, the two side by side; new inputs
# stay in $(ASAN_BUILD)/fuzz-corpus, so a warm run goes on from them.
fuzz: build-asan
	mkdir -p $(ASAN_BUILD)/fuzz-corpus/case-file $(ASAN_BUILD)/fuzz-corpus/cli
	./$(ASAN_BUILD)/case_file_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
		-dict=fuzz/case_file.dict -print_final_stats=1 $(ASAN_BUILD)/fuzz-corpus/case-file cases/arm64 & case_file=$$!; \
	./$(ASAN_BUILD)/cli_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
		-dict=fuzz/cli.dict -print_final_stats=1 $(ASAN_BUILD)/fuzz-corpus/cli; cli=$$?; \
	wait $$case_file && [ $$cli = 0 ]

bench: build
	./$(BUILD)/lmemu bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

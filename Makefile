# lmemu: the two commands of the README, and their parts.
#   make run   - install what is missing, build, run the built-in cases
#   make test  - install what is missing, build, run every test (plus ASan/UBSan),
#                and fuzz the case-file loader for FUZZ_SECONDS

DEBIAN_PACKAGES := cmake ninja-build pkg-config g++ clang lld \
	libunicorn-dev libcapstone-dev libelf-dev libdw-dev libtomlplusplus-dev \
	libfmt-dev libcli11-dev nlohmann-json3-dev doctest-dev libclang-rt-dev libxxhash-dev
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= 2
# Guest objects compiled by the tests stay inside the build tree.
export LMEMU_CACHE ?= $(CURDIR)/$(BUILD)/guest-cache

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
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# -O1, as AddressSanitizer's documentation advises: the same checks (asserts
# stay on), and the explored cases run about twice as fast as at -O0.
build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DLMEMU_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer (clang, ASan, UBSan) on the case-file loader, seeded with the
# built-in cases, and on the command line; new inputs stay in $(FUZZ_BUILD).
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMEMU_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target case_file_fuzzer cli_fuzzer
	mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/cli-corpus
	./$(FUZZ_BUILD)/case_file_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
		-dict=fuzz/case_file.dict -print_final_stats=1 $(FUZZ_BUILD)/corpus cases/arm64
	./$(FUZZ_BUILD)/cli_fuzzer -max_total_time=$$(( $(FUZZ_SECONDS) / 2 )) -timeout=10 -rss_limit_mb=4096 \
		-dict=fuzz/cli.dict -print_final_stats=1 $(FUZZ_BUILD)/cli-corpus

bench: build
	./$(BUILD)/lmemu bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Thin wrapper over CMake. The two set-up commands are `make demo` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DEPS_PKGS  := cmake pkg-config gcc g++ make libsystemc-dev libfyaml-dev zlib1g-dev libcmocka-dev gnuplot-nox time

.PHONY: all deps demo test unit-asan bench clean

all:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Install whichever Debian packages are missing (as root; otherwise print the command).
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "deps: missing$$missing; run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

demo: deps all
	@./$(BUILD)/iovsim run scenarios/quickstart.yaml -o out/quickstart

test: deps all
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory unit-asan

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
unit-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DIOVSIM_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

bench: deps all
	@tools/bench.sh ./$(BUILD)/iovsim

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out

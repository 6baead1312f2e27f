# Thin front end over CMake. The README's two commands:
#   make demo  - install what is missing, build, run the image-filter demo
#   make test  - install what is missing, build with address+undefined
#                sanitizers and run every test; build what users build
#                (GCC Release and RelWithDebInfo of every target, one of them
#                without the optional packages), install into a scratch
#                prefix and consume it; check every count
# and:
#   make install [PREFIX=/usr/local]  - build and install the library, the
#                headers, the CMake package, pkg-config files and the tool
BUILD      ?= build
ASAN_BUILD ?= build/asan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory
# PoCL compiles kernels with LLVM; its cache turns 1 s builds into 40 ms.
# Keep it outside the clone so CI runs on fresh clones stay warm.
export POCL_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/varscope/pocl
# What `cmake --install` needs: the two libraries and the tool.
INSTALL_TARGETS = varscope varscope_static varscope_tool

.PHONY: all deps test-deps build demo install test test-plain oracle coverage clean

all: build

deps:
	@tools/ensure-deps.sh

# make test also needs the fuzzers' compiler, the benchmark's optional
# OpenBLAS baseline (so that path is built too) and Python's venv for the
# TensorFlow oracle.
test-deps:
	@tools/ensure-deps.sh --test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: deps
	@mkdir -p $(POCL_CACHE_DIR)
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target $(INSTALL_TARGETS) image_filter
	@$(BUILD)/tools/varscope devices
	@$(BUILD)/examples/image_filter

install: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target $(INSTALL_TARGETS)
	@cmake --install $(BUILD) --prefix $(PREFIX)

test: test-deps
	@mkdir -p $(POCL_CACHE_DIR)
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVS_SANITIZE=ON -DVS_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@tools/test-all.sh $(ASAN_BUILD) $(BUILD)/users $(BUILD)/fuzz $(BUILD)/tsan

# The same suite without sanitizers (faster; handy while developing).
test-plain: build
	@tools/run-tests.sh $(BUILD)

# The conformance oracle: every case's Python twin under real TensorFlow
# (venv ~/.cache/varscope/oracle-venv with tensorflow-cpu from PyPI, made on first use;
# VARSCOPE_TF_PYTHON=/path/to/python reuses an existing TensorFlow).
oracle:
	@tools/oracle.sh

# Regenerates conformance/COVERAGE.md from a conform run on the default
# device and an oracle run.
coverage: build
	@$(BUILD)/tools/varscope conform --json $(BUILD)/conform.json >/dev/null || true
	@tools/oracle.sh --json $(BUILD)/oracle.json >/dev/null || true
	@python3 tools/coverage.py --results $(BUILD)/conform.json --oracle $(BUILD)/oracle.json

clean:
	rm -rf $(BUILD)

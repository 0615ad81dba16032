# faasfs — top-level build. Each program's rules live beside it in build.mk.
# `make` builds everything; `make test` installs what is missing and runs
# every test; `make run` starts the backend and mounts the file system.

CC ?= cc
CFLAGS ?= -O2 -g
# override: `make CFLAGS=-O0` still gets the flags the build needs.
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -Ilib -MMD -MP
LDFLAGS ?=
# SAN=1: AddressSanitizer (with leak checking) and UndefinedBehaviorSanitizer;
# `make asan` builds so in build/asan and runs the tests there.
ifneq ($(SAN),)
override CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
endif

# http_parser ships no .pc file in Debian; fall back to -lhttp_parser.
pc = $(shell pkg-config --cflags --libs $(1))
HTTP_PARSER_LIBS := $(shell pkg-config --libs http-parser 2>/dev/null || echo -lhttp_parser)

BINS :=
UNIT_TESTS :=

all: build

# Before scripts/deps has installed pkg-config nothing can be configured, so
# the rules are not read: `make test` and `make run` install it, then build
# in a second make, which reads them.
ifneq ($(shell command -v pkg-config),)
include lib/build.mk
-include proxy/build.mk
-include backend/build.mk
-include fsd/build.mk
-include tests/unit/build.mk
-include tests/unit/sched.mk
-include bench/build.mk
-include tests/fuzz/build.mk
else
build:
	@echo "make: pkg-config is missing: run scripts/deps first (make test and make run do)" >&2; exit 1
endif

build: $(BINS) $(UNIT_TESTS)

deps:
	scripts/deps

test: deps
	$(MAKE) build
	scripts/test

run: deps
	$(MAKE) build
	scripts/run

asan: deps
	scripts/asan

# The house style (.clang-format) over every C file we wrote; `make fmt-check`
# fails, naming the files, where it would change anything (scripts/test runs it).
fmt:
	scripts/fmt

fmt-check:
	scripts/fmt --check

# `make install` (root): the programs under PREFIX, the systemd units of
# deploy/systemd under SYSTEMD_DIR, their paths made PREFIX's. DESTDIR
# stages it all under another root (tests/fs/t1300-boot does).
PREFIX ?= /usr/local
SYSTEMD_DIR ?= $(PREFIX)/lib/systemd/system
install: build
	scripts/install "$(DESTDIR)" "$(PREFIX)" "$(SYSTEMD_DIR)"

clean:
	rm -f $(BINS) $(UNIT_TESTS) $(CLEAN)
	find . -name '*.o' -o -name '*.d' | xargs rm -f

.PHONY: all build deps test run clean asan fmt fmt-check install

-include $(shell find . -name '*.d' 2>/dev/null)

# tests/fuzz/: libFuzzer targets, built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer from the sources (not the gcc objects beside
# them). `make fuzz` builds them; tests/fuzz/run gives each a short run on
# its corpus (CI), bench/fuzz a long one. Each target names what it reads.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              -std=c11 -D_GNU_SOURCE -Ilib
FUZZ_LIBS := $(HTTP_PARSER_LIBS) $(shell pkg-config --libs libuv jansson libcurl yaml-0.1 fuse3 libarchive libcrypto) -lpthread
FUZZ_TARGETS := tests/fuzz/fuzz-http tests/fuzz/fuzz-json tests/fuzz/fuzz-msg tests/fuzz/fuzz-text \
                tests/fuzz/fuzz-manifest tests/fuzz/fuzz-loop
FUZZ_FSD := $(filter-out fsd/main.c,$(wildcard fsd/*.c))
FUZZ_FSD_PURE := fsd/text.c fsd/msg.c fsd/buf.c   # as tests/unit/test-fs* link
FUZZ_PROXY := $(filter-out proxy/main.c proxy/child.c,$(wildcard proxy/*.c))

fuzz: $(FUZZ_TARGETS)

tests/fuzz/fuzz-http: tests/fuzz/fuzz-http.c $(LIB_SRCS) $(wildcard lib/*.h)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LIB_CFLAGS) -o $@ $< $(LIB_SRCS) $(FUZZ_LIBS)

tests/fuzz/fuzz-json: tests/fuzz/fuzz-json.c $(LIB_SRCS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LIB_CFLAGS) -o $@ $< $(LIB_SRCS) $(FUZZ_LIBS)

tests/fuzz/fuzz-msg: tests/fuzz/fuzz-msg.c $(FUZZ_FSD_PURE) $(LIB_SRCS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FSD_CFLAGS) -Ifsd -o $@ $< $(FUZZ_FSD_PURE) $(LIB_SRCS) $(FUZZ_LIBS)

tests/fuzz/fuzz-text: tests/fuzz/fuzz-text.c $(FUZZ_FSD_PURE) backend/limits.c $(LIB_SRCS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FSD_CFLAGS) -Ifsd -o $@ $< $(FUZZ_FSD_PURE) backend/limits.c $(LIB_SRCS) $(FUZZ_LIBS)

tests/fuzz/fuzz-manifest: tests/fuzz/fuzz-manifest.c $(FUZZ_FSD) $(LIB_SRCS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FSD_CFLAGS) -Ifsd -o $@ $< $(filter-out fsd/manifest.c,$(FUZZ_FSD)) \
		$(LIB_SRCS) $(FUZZ_LIBS)

tests/fuzz/fuzz-loop: tests/fuzz/fuzz-loop.c $(FUZZ_PROXY) proxy/child.c $(LIB_SRCS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PROXY_CFLAGS) -Iproxy -o $@ $< $(FUZZ_PROXY) $(LIB_SRCS) $(FUZZ_LIBS)

CLEAN += $(FUZZ_TARGETS)
.PHONY: fuzz

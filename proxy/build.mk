# proxy/: faasfs-proxy, the runtime proxy inside every function's sandbox.
PROXY_SRCS := $(wildcard proxy/*.c)
PROXY_OBJS := $(PROXY_SRCS:.c=.o)
PROXY_CFLAGS := $(shell pkg-config --cflags libuv jansson libarchive)
# libarchive is dlopen()ed at the first archive (unpack.c): its headers only
PROXY_LIBS := $(shell pkg-config --libs libuv jansson)

proxy/%.o: proxy/%.c
	$(CC) $(CFLAGS) $(PROXY_CFLAGS) -c -o $@ $<

proxy/faasfs-proxy: $(PROXY_OBJS) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(PROXY_OBJS) $(LIB_A) $(HTTP_PARSER_LIBS) $(PROXY_LIBS)

BINS += proxy/faasfs-proxy

# the in-flight tables, alone under cmocka
tests/unit/test-inflight: tests/unit/test-inflight.c proxy/inflight.o $(LIB_A)
	$(CC) $(CFLAGS) $(PROXY_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $(filter %.c %.o %.a,$^) $(shell pkg-config --libs cmocka)
UNIT_TESTS += tests/unit/test-inflight

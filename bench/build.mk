# bench/: benchmarks (scripts bench/proxy, bench/api, bench/fs) and the C
# programs they measure against. Add a program's rule here.
BENCH_CFLAGS := $(shell pkg-config --cflags libuv)
BENCH_LIBS := $(shell pkg-config --libs libuv)

bench/floor: bench/floor.c
	$(CC) $(CFLAGS) $(BENCH_CFLAGS) -o $@ $< $(HTTP_PARSER_LIBS) $(BENCH_LIBS)

BINS += bench/floor

bench/invoke: bench/invoke.c
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libcurl)

BINS += bench/invoke

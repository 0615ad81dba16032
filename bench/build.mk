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

# bench/chttp-client (run by bench/chttp-curluv): instructions per warm call through the local domain's
# own client and through curluv (needs valgrind's headers; not in BINS)
bench/chttp-client: bench/chttp-client.c backend/container_http.o $(LIB_A)
	$(CC) $(CFLAGS) $(BENCH_CFLAGS) -iquote backend -o $@ $< backend/container_http.o $(LIB_A) $(HTTP_PARSER_LIBS) \
		$(shell pkg-config --libs libuv libcurl)

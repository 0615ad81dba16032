# tests/unit/sched.mk: the scheduler's unit tests (log collection of the local
# domain). The top Makefile includes it beside tests/unit/build.mk.
UNIT_TESTS += tests/unit/test-sched-logs

tests/unit/test-sched-logs: tests/unit/test-sched-logs.c backend/container_logs.o $(LIB_A)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libuv jansson cmocka) -o $@ $(filter %.c %.o %.a,$^) \
		$(shell pkg-config --libs libuv jansson cmocka)

# the client the local domain calls its proxies with, against lib's server
UNIT_TESTS += tests/unit/test-chttp

tests/unit/test-chttp: tests/unit/test-chttp.c backend/container_http.o $(LIB_A)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libuv cmocka) -o $@ $(filter %.c %.o %.a,$^) \
		$(HTTP_PARSER_LIBS) $(shell pkg-config --libs libuv cmocka)

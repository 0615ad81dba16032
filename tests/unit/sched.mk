# tests/unit/sched.mk: the scheduler's unit tests (log collection of the local
# domain). The top Makefile includes it beside tests/unit/build.mk.
UNIT_TESTS += tests/unit/test-sched-logs

tests/unit/test-sched-logs: tests/unit/test-sched-logs.c backend/container_logs.o
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libuv jansson cmocka) -o $@ $(filter %.c %.o,$^) \
		$(shell pkg-config --libs libuv jansson cmocka)

# tests/unit/: the backend's pure logic under cmocka (other programs add
# their own unit tests to UNIT_TESTS in their build.mk). Each prints TAP.
BACKEND_UNIT := tests/unit/test-names tests/unit/test-limits tests/unit/test-params \
                tests/unit/test-record tests/unit/test-cron tests/unit/test-ksvc tests/unit/test-cache
UNIT_TESTS += $(BACKEND_UNIT)
UNIT_CFLAGS := $(shell pkg-config --cflags libuv jansson sqlite3 cmocka)
UNIT_LIBS := $(shell pkg-config --libs jansson cmocka)

tests/unit/test-names: tests/unit/test-names.c backend/names.o
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-ksvc: tests/unit/test-ksvc.c backend/ksvc.o $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-limits: tests/unit/test-limits.c backend/limits.o $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-params: tests/unit/test-params.c backend/params.o $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-record: tests/unit/test-record.c backend/record.o backend/params.o backend/util.o \
                       $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-cron: tests/unit/test-cron.c $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

tests/unit/test-cache: tests/unit/test-cache.c backend/store_cache.o backend/util.o $(LIB_A)
	$(CC) $(CFLAGS) $(UNIT_CFLAGS) -o $@ $(filter %.c %.o %.a,$^) $(UNIT_LIBS)

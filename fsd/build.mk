# fsd/: the FUSE file server faasfs (one libuv loop, libfuse3 low-level API,
# libcurl multi for the backend's REST API). Its pure parts (text forms,
# message splitting) have cmocka unit tests in tests/unit/test-fs*.c.
FSD_SRCS := $(wildcard fsd/*.c)
FSD_OBJS := $(FSD_SRCS:.c=.o)
FSD_PKGS := fuse3 libuv jansson libcurl yaml-0.1 libarchive libcrypto
FSD_CFLAGS := $(shell pkg-config --cflags $(FSD_PKGS))
FSD_LIBS := $(shell pkg-config --libs $(FSD_PKGS)) -lpthread

fsd/%.o: fsd/%.c
	$(CC) $(CFLAGS) $(FSD_CFLAGS) -c -o $@ $<

fsd/faasfs: $(FSD_OBJS) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(FSD_OBJS) $(LIB_A) $(FSD_LIBS)

BINS += fsd/faasfs

# Unit tests of fsd's pure parts: each links the objects it tests.
FSD_UNIT_OBJS := fsd/text.o fsd/msg.o fsd/buf.o
tests/unit/test-fs%: tests/unit/test-fs%.c $(FSD_UNIT_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(FSD_CFLAGS) -Ifsd -o $@ $< $(FSD_UNIT_OBJS) $(LIB_A) $(FSD_LIBS) -lcmocka

UNIT_TESTS += tests/unit/test-fstext tests/unit/test-fsmsg

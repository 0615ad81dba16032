# backend/: faasfs-backend, the controller (REST API, store, scheduler,
# execution domains). Every backend/*.c is part of it, whoever wrote it; the
# binary is built once the scheduler (backend/sched.c) is there.
BACKEND_SRCS := $(wildcard backend/*.c)
BACKEND_OBJS := $(BACKEND_SRCS:.c=.o)
BACKEND_PKGS := libuv jansson sqlite3 libcurl libssl libcrypto libmosquitto yaml-0.1 libseccomp
BACKEND_CFLAGS := $(shell pkg-config --cflags $(BACKEND_PKGS))
BACKEND_LIBS := $(shell pkg-config --libs $(BACKEND_PKGS)) $(HTTP_PARSER_LIBS)

ifneq ($(wildcard backend/sched.c),)
BINS += backend/faasfs-backend
endif

backend/%.o: backend/%.c
	$(CC) $(CFLAGS) $(BACKEND_CFLAGS) -c -o $@ $<

backend/faasfs-backend: $(BACKEND_OBJS) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(BACKEND_OBJS) $(LIB_A) $(BACKEND_LIBS)

# Python's zygote, its C half (backend/zygote/zygote.c with the sandbox's
# child steps), loaded by proxy/launchers/zygote.py: built without the
# sanitizers, as the python that loads it is.
BINS += backend/zygote/faasfs-zygote.so
ZYGOTE_SRCS := backend/zygote/zygote.c backend/sandbox_child.c
backend/zygote/faasfs-zygote.so: $(ZYGOTE_SRCS) backend/sandbox_int.h backend/sandbox.h backend/zygote.h
	$(CC) $(filter-out -fsanitize% -MMD -MP,$(CFLAGS)) -iquote backend -fPIC -shared -o $@ $(ZYGOTE_SRCS)

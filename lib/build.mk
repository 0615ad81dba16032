# lib/: code that two of the programs share (HTTP server, libcurl on libuv,
# JSON helpers, logging). Linked statically into each program.
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB_A := lib/libfaas.a
LIB_CFLAGS := $(shell pkg-config --cflags libuv jansson libcurl)

lib/%.o: lib/%.c
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

CLEAN += $(LIB_A)

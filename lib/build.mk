# lib/: code that two or three of the programs share (HTTP server, byte
# buffers, base64, JSON text, UTF-8, logging, ...: DESIGN.md lists them).
# Linked statically into each program.
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB_A := lib/libfaas.a
LIB_CFLAGS := $(shell pkg-config --cflags libuv jansson libcurl yaml-0.1)

lib/%.o: lib/%.c
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

CLEAN += $(LIB_A)

# lib's own tests: the server and the client against each other
tests/unit/test-http: tests/unit/test-http.c $(LIB_A)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -o $@ $< $(LIB_A) $(HTTP_PARSER_LIBS) \
		$(shell pkg-config --libs libuv libcurl cmocka)
UNIT_TESTS += tests/unit/test-http

# lib's pure parts: the byte buffer, base64, numbers, the map and the heap
tests/unit/test-lib: tests/unit/test-lib.c $(LIB_A)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(shell pkg-config --libs cmocka)
UNIT_TESTS += tests/unit/test-lib

# the JSON text layer (js_scan.c, js_text.c) against jansson
tests/unit/test-js: tests/unit/test-js.c $(LIB_A)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -o $@ $< $(LIB_A) $(shell pkg-config --libs jansson cmocka)
UNIT_TESTS += tests/unit/test-js

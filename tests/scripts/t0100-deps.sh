#!/bin/bash
# t0100-deps.sh — what a new user meets before anything is built: the Makefile
# read before scripts/deps has installed pkg-config, and a scripts/deps that fails.
. "$(dirname "$0")/../lib.sh"

# make test runs scripts/deps first, which installs pkg-config; before that,
# reading the Makefile must print nothing
test_expect_success 'without pkg-config, reading the Makefile prints nothing' '
	mkdir bin && ln -s "$(command -v make)" bin/make &&
	PATH=$SCRATCH/bin make -s -n -C "$TOP" deps >out 2>&1 &&
	echo scripts/deps >expect &&
	test_cmp expect out
'

test_expect_success 'without pkg-config, make says to run scripts/deps' '
	! PATH=$SCRATCH/bin make -s -C "$TOP" build >out 2>&1 &&
	grep -q "pkg-config is missing: run scripts/deps" out
'

# A copy of what scripts/deps reads, with no node_modules: its npm ci then
# runs, against a registry nobody answers, from an empty cache.
test_expect_success 'a failing npm ci says which step failed, why, and what to do' '
	mkdir -p tree/scripts tree/tests/api &&
	cp "$TOP/scripts/deps" tree/scripts/ &&
	cp "$TOP/tests/api/package.json" "$TOP/tests/api/package-lock.json" tree/tests/api/ &&
	port=$(free_port) &&
	! TMPDIR=$SCRATCH npm_config_registry=http://127.0.0.1:$port/ npm_config_cache=$SCRATCH/cache \
		npm_config_fetch_retries=0 tree/scripts/deps >out 2>&1 &&
	cat out &&
	grep -q "^deps: npm ci failed: the npm registry (http://127.0.0.1:$port/) could not be reached" out &&
	grep -q "^    npm \(ERR!\|error\) code ECONNREFUSED" out &&
	grep -q "^deps: check the network, or a proxy" out &&
	log=$(sed -n "s/.*the whole output is in //p" out) &&
	grep -q ECONNREFUSED "$log"
'

test_done

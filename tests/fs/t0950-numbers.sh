#!/bin/bash
# t0950-numbers.sh — a number passes through the tree as it was written: params, results, records, manifest.yaml.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

fs_start || exit 1
A=$FAAS/actions

test_expect_success 'params read back as written' '
	py n "{\"lit\": 0.1, \"p\": args[\"p\"], \"q\": args.get(\"q\")}" &&
	cp n.py "$A/" &&
	printf "{\"p\":0.1,\"big\":1e300,\"third\":0.3333333333333333}\n" >"$A/n/params" &&
	echo "{\"p\":0.1,\"big\":1e300,\"third\":0.3333333333333333}" >expect &&
	test_cmp expect "$A/n/params" &&
	rest GET actions/n | grep -q "\"value\":0.1}"
'

test_expect_success 'results, from invoke, result and the activation, as the function wrote them' '
	echo "{\"q\":2.675}" >"$A/n/invoke" &&
	echo "{\"lit\":0.1,\"p\":0.1,\"q\":2.675}" >expect &&
	test_cmp expect "$A/n/result" &&
	echo "{\"lit\":0.1,\"p\":0.1,\"q\":null}" >expect &&
	cat "$A/n/invoke" >got &&
	test_cmp expect got &&
	id=$(ls "$FAAS/activations" | grep -E "^[0-9a-f]{32}$" | head -1) &&
	grep -q "\"lit\":0.1," "$FAAS/activations/$id/result" &&
	grep -q "\"lit\":0.1," "$FAAS/activations/$id/record"
'

test_expect_success 'manifest.yaml writes them as they were written' '
	grep -E "^ +p: 0\.1$" "$FAAS/manifest.yaml" &&
	grep -E "^ +third: 0\.3333333333333333$" "$FAAS/manifest.yaml" &&
	! grep -E "[0-9]\.[0-9]{17}" "$FAAS/manifest.yaml"
'

test_done

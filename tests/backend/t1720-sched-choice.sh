#!/bin/sh
# The scheduler is chosen per action (annotation "scheduler") or per
# namespace (--scheduler NS=NAME), and the choice has an effect: at the
# host's container cap, a container of an action whose scheduler is
# "reserved" keeps its place on its pool while one of an action on the
# same pool with the default scheduler is stopped to make room.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/backend-lib.sh"

export FAASFS_STEMCELLS=-1 # no stem cell takes a place under the cap
start_backend --max-containers 3 --pool res:containers=2 --scheduler guest=reserved

cat >who.py <<'PY'
import os
def main(args):
    return {"pid": os.getpid()}
PY

ok() { test "$(field "$1" .response.statusCode)" = 0; }

test_expect_success 'four actions, three places: the default one on the reserved pool is the one evicted' '
	put_action r python:3 who.py "{\"annotations\":[{\"key\":\"pool\",\"value\":\"res\"}]}" &&
	put_action d python:3 who.py \
		"{\"annotations\":[{\"key\":\"pool\",\"value\":\"res\"},{\"key\":\"scheduler\",\"value\":\"default\"}]}" &&
	put_action a python:3 who.py &&
	put_action b python:3 who.py &&
	invoke r >r1.json && ok r1.json &&
	invoke d >d1.json && ok d1.json &&
	invoke a >a1.json && ok a1.json &&
	invoke b >b1.json && ok b1.json &&
	curl -s "$METRICS" | grep -E "^faasfs_container_evictions_total 1$" &&
	invoke r >r2.json && ok r2.json && test "$(startup r2.json)" = warm &&
	test "$(field r2.json .response.result.pid)" = "$(field r1.json .response.result.pid)" &&
	invoke d >d2.json && ok d2.json && test "$(startup d2.json)" != warm
'

test_expect_success 'a scheduler or a pool this backend lacks: the activation says so' '
	put_action x python:3 who.py "{\"annotations\":[{\"key\":\"scheduler\",\"value\":\"nope\"}]}" &&
	invoke x >x.json && test "$(field x.json .response.statusCode)" = 2 &&
	field x.json .response.result.error | grep "no scheduler \"nope\"" &&
	put_action y python:3 who.py "{\"annotations\":[{\"key\":\"pool\",\"value\":\"nope\"}]}" &&
	invoke y >y.json && test "$(field y.json .response.statusCode)" = 2 &&
	field y.json .response.result.error | grep "no pool \"nope\": this backend has default, res"
'

test_expect_success 'a backend given a scheduler it does not have does not start' '
	! "$BACKEND" --listen 127.0.0.1:$(free_port) --data "$SCRATCH/d2" --scheduler guest=nope 2>err.txt &&
	grep "no scheduler \"nope\"" err.txt &&
	! "$BACKEND" --listen 127.0.0.1:$(free_port) --data "$SCRATCH/d3" --pool "big:cpu=x" 2>err2.txt &&
	grep "cpu must be a number" err2.txt
'

test_done

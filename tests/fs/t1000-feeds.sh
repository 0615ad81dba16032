#!/bin/bash
# t1000-feeds.sh — fed triggers in the tree: crontab, watches, subscriptions, and what triggers/NAME says of a feed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

mkdir -p "$SCRATCH/w/in"
BACKEND_ARGS="--watch-root $SCRATCH/w"
fs_start || exit 1
CT=$FAAS/crontab
LOG=$FAAS/activations/log
ran() { test "$(grep -c " $1 success" "$LOG")" -ge "$2"; }
feed_of() { rest GET "triggers/$1" | jq -c "$2"; }

test_expect_success 'crontab starts empty; one echo >> makes an alarm trigger' '
	test "$(cat "$CT")" = "" &&
	echo "*/5 * * * * nightly" >>"$CT" &&
	test "$(feed_of nightly .feed.name)" = "\"/whisk.system/alarms/alarm\"" &&
	test "$(feed_of nightly .feed.config)" = "{\"cron\":\"*/5 * * * *\"}" &&
	grep -q "^\*/5 \* \* \* \* nightly  # next 20[0-9-]*T[0-9:]*:[0-5][05]:00.000Z$" "$CT"
'

test_expect_success 'CRON_TZ lines and a JSON payload; the other lines stay' '
	printf "CRON_TZ=Europe/Paris\n0 2 * * * backup {\"full\":true}\n" >>"$CT" &&
	test "$(feed_of backup .feed.config)" = "{\"cron\":\"0 2 * * *\",\"timezone\":\"Europe/Paris\",\"trigger_payload\":{\"full\":true}}" &&
	sed "s/  # .*//" "$CT" >got &&
	printf "CRON_TZ=Europe/Paris\n0 2 * * * backup {\"full\":true}\nCRON_TZ=UTC\n*/5 * * * * nightly\n" >expect &&
	test_cmp expect got
'

test_expect_success 'a bad line fails the echo with EINVAL, err says which and why, nothing is made' '
	! echo "61 * * * * bad" >>"$CT" 2>echo.err &&
	grep -q "Invalid argument" echo.err &&
	tail -n 1 "$FAAS/err" | grep -q "line 5: The minutes field .61. is not valid" &&
	! echo "CRON_TZ=Mars/Olympus" >>"$CT" &&
	tail -n 1 "$FAAS/err" | grep -q "Mars/Olympus: not a time zone" &&
	! echo "* * * * * {\"no\":1}" >>"$CT" &&
	test "$(rest GET triggers/bad | jq -r .error)" = "The requested resource does not exist." &&
	test "$(grep -c . "$CT")" = 4
'

test_expect_success 'writing it without a line deletes that trigger; triggers/NAME shows the feed' '
	grep -v nightly "$CT" >keep &&
	cat keep >"$CT" &&
	test "$(rest GET triggers/nightly | jq -r .error)" = "The requested resource does not exist." &&
	grep -q "^feed /whisk.system/alarms/alarm {\"cron\":\"0 2 \* \* \*\",\"timezone\":\"Europe/Paris\",\"trigger_payload\":{\"full\":true}}$" "$FAAS/triggers/backup" &&
	grep -q "^status active$" "$FAAS/triggers/backup" &&
	grep -q "^next 20.*T0[01]:00:00.000Z$" "$FAAS/triggers/backup"
'

test_expect_success 'triggers/NAME lists its last fires with their due times' '
	rest PUT triggers/tick "{\"annotations\":[{\"key\":\"feed\",\"value\":\"/whisk.system/alarms/alarm\"}]}" >/dev/null &&
	py tock "{\"n\": args.get(\"n\")}" && cp tock.py "$FAAS/actions/" &&
	echo "tick tock" >"$FAAS/rules/tt" &&
	curl -sf -u "$FAASFS_AUTH" -H "Content-Type: application/json" -d "{\"lifecycleEvent\":\"CREATE\",\"triggerName\":\"/_/tick\",\"authKey\":\"\",\"cron\":\"* * * * * *\",\"trigger_payload\":{\"n\":1}}" \
		"http://127.0.0.1:$BPORT/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true" >/dev/null &&
	within 20 "ran tock 2" &&
	within 20 "test \$(grep -c \"^fired .* due 20.*:[0-9][0-9].000Z\$\" $FAAS/triggers/tick) -ge 2" &&
	rm "$FAAS/triggers/tick"
'

test_expect_success 'watches: one echo watches a directory, a file written there runs the rule' '
	echo "$SCRATCH/w/in incoming pattern=*.csv" >>"$FAAS/watches" &&
	py seen "{\"path\": args.get(\"path\"), \"event\": args.get(\"event\")}" && cp seen.py "$FAAS/actions/" &&
	echo "incoming seen" >"$FAAS/rules/in-seen" &&
	echo "a,b" >"$SCRATCH/w/in/x.csv" &&
	within 10 "ran seen 1" &&
	test "$(cat $FAAS/actions/seen/result)" = "{\"path\":\"$SCRATCH/w/in/x.csv\",\"event\":\"create\"}" &&
	test "$(sed "s/  # .*//" "$FAAS/watches")" = "$SCRATCH/w/in incoming pattern=*.csv"
'

test_expect_success 'watches: a path outside the watch roots fails the echo; err says why' '
	! echo "/etc stolen" >>"$FAAS/watches" &&
	tail -n 1 "$FAAS/err" | grep -q "stolen: The path /etc is outside the directories the backend may watch" &&
	test "$(rest GET triggers/stolen | jq -r .error)" = "The requested resource does not exist."
'

test_expect_success 'manifest.yaml: a fed trigger reads as wskdeploy writes one, and one applies' '
	sed -n "/^      backup:/,/^      [a-z]/p" "$FAAS/manifest.yaml" >m.out &&
	grep -q "^        feed: /whisk.system/alarms/alarm$" m.out &&
	grep -q "^          cron: .\?0 2 \* \* \*.\?$" m.out &&
	grep -q "^          timezone: Europe/Paris$" m.out &&
	! grep -q "key: feed" m.out &&
	printf "packages:\n  default:\n    triggers:\n      hourly:\n        feed: /whisk.system/alarms/alarm\n        inputs:\n          cron: \"0 * * * *\"\n" >hourly.yaml &&
	cp hourly.yaml "$FAAS/manifest.yaml" &&
	test "$(rest GET triggers/hourly | jq -c .feed.config)" = "{\"cron\":\"0 * * * *\"}" &&
	grep -q "^0 \* \* \* \* hourly  # next" "$CT"
'

if WSKDEPLOY=$(find_tool wskdeploy); then
	test_expect_success 'the real wskdeploy deploys and undeploys a trigger with a feed' '
		mkdir -p proj &&
		printf "packages:\n  feeds:\n    triggers:\n      daily:\n        feed: /whisk.system/alarms/alarm\n        inputs:\n          cron: \"30 6 * * *\"\n" >proj/manifest.yaml &&
		"$WSKDEPLOY" --apihost "http://127.0.0.1:$BPORT" --auth "$FAASFS_AUTH" -p proj >deploy.out 2>&1 &&
		test "$(rest GET triggers/daily | jq -r .feed.config.cron)" = "30 6 * * *" &&
		within 20 "grep -q \"^30 6 \\* \\* \\* daily  # next\" $CT" &&
		"$WSKDEPLOY" undeploy --apihost "http://127.0.0.1:$BPORT" --auth "$FAASFS_AUTH" -p proj >undeploy.out 2>&1 &&
		test "$(rest GET triggers/daily | jq -r .error)" = "The requested resource does not exist." &&
		! grep -q " daily " "$CT"
	'
else
	test_skip 'the real wskdeploy deploys and undeploys a trigger with a feed' 'wskdeploy not found ($WSKDEPLOY, ../shared/tools, PATH)'
fi

MOSQUITTO=$(command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null)
if [ -n "$MOSQUITTO" ] && command -v mosquitto_pub >/dev/null; then
	MPORT=$(free_port)
	printf "listener $MPORT 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n" >mq.conf
	"$MOSQUITTO" -c mq.conf >mq.log 2>&1 &
	echo $! >mq.pid
	test_at_end 'kill $(cat "$SCRATCH/mq.pid")'
	wait_for "curl -s telnet://127.0.0.1:$MPORT --max-time 0.1 </dev/null; test \$? -ne 7" 100
	test_expect_success 'subscriptions: one echo subscribes; a message runs the rule' '
		echo "mqtt://127.0.0.1:$MPORT sensors/+/temp temps qos=1" >>"$FAAS/subscriptions" &&
		py heard "{\"topic\": args.get(\"topic\"), \"payload\": args.get(\"payload\")}" && cp heard.py "$FAAS/actions/" &&
		echo "temps heard" >"$FAAS/rules/th" &&
		within 20 "mosquitto_pub -p $MPORT -t sensors/k/temp -m 21 -q 1 && ran heard 1" &&
		grep -q "{\"topic\":\"sensors/k/temp\",\"payload\":\"21\"}" "$FAAS/actions/heard/result" &&
		test "$(sed "s/  # .*//" "$FAAS/subscriptions")" = "mqtt://127.0.0.1:$MPORT sensors/+/temp temps qos=1" &&
		! echo "mqtt://127.0.0.1:$(free_port) x nobroker" >>"$FAAS/subscriptions" &&
		tail -n 1 "$FAAS/err" | grep -q "nobroker: The broker 127.0.0.1:[0-9]* cannot be reached"
	'
	test_expect_success 'subscriptions: mqtts:// to a broker that speaks no TLS is refused saying so; insecure is for mqtts' '
		! echo "mqtts://127.0.0.1:$MPORT x plainbroker" >>"$FAAS/subscriptions" &&
		tail -n 1 "$FAAS/err" | grep -q "plainbroker: The broker 127.0.0.1:$MPORT cannot be reached over TLS" &&
		! echo "mqtt://127.0.0.1:$MPORT x plain insecure" >>"$FAAS/subscriptions" &&
		tail -n 1 "$FAAS/err" | grep -q "insecure for mqtts" &&
		test "$(sed "s/  # .*//" "$FAAS/subscriptions")" = "mqtt://127.0.0.1:$MPORT sensors/+/temp temps qos=1"
	'
else
	test_skip 'subscriptions: one echo subscribes' 'mosquitto or mosquitto_pub is not installed (scripts/deps)'
fi

test_done

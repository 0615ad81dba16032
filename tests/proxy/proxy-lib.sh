# proxy-lib.sh — helpers for the proxy suites: start faasfs-proxy, init it, run, check logs.
#
# Sourced after tests/lib.sh. Requests go with curl; each leaves the answer
# in ./body and prints the HTTP status, so a test reads
#   test "$(run '{"value":{}}')" = 200 && jq -e '.ok' body

FIX="$TOP/tests/proxy/fixtures"
SENTINEL=XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX

# proxy_start [OPTIONS]: a proxy on a free port; its stdout in proxy.out,
# stderr in proxy.err. Sets URL and PROXY_PID.
proxy_start() {
	PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	URL=http://127.0.0.1:$PORT
	"$PROXY" --listen "127.0.0.1:$PORT" "$@" >proxy.out 2>proxy.err &
	PROXY_PID=$!
	test_at_end "kill $PROXY_PID"
	wait_for "(: </dev/tcp/127.0.0.1/$PORT)"
}

# proxy_start_unix PATH [OPTIONS]: a proxy on a Unix socket at PATH (relative
# to the scratch directory), as the backend starts them; post goes there.
proxy_start_unix() {
	PROXY_SOCK=$1; shift
	URL=http://localhost
	"$PROXY" --listen "unix:$PROXY_SOCK" "$@" >proxy.out 2>proxy.err &
	PROXY_PID=$!
	test_at_end "kill $PROXY_PID"
	wait_for "curl -s -o /dev/null --unix-socket $PROXY_SOCK $URL/"
}

proxy_alive() { kill -0 "$PROXY_PID"; }

# post PATH [CURL ARGS...]: POST to the proxy, answer in ./body, status printed.
# With PROXY_TOKEN set, the request carries it as the backend's does.
post() {
	p=$1; shift
	curl -s -m 60 -o body -w '%{http_code}' -X POST ${PROXY_SOCK:+--unix-socket} ${PROXY_SOCK:+"$PROXY_SOCK"} \
		${PROXY_TOKEN:+-H} ${PROXY_TOKEN:+"Authorization: Bearer $PROXY_TOKEN"} "$@" "$URL$p"
}

# init_value FILE KIND [MAIN] [ENV_JSON]: the init's value for a source file
# (text) or, when the file holds a NUL byte, an archive or executable
# (base64, binary). An empty KIND leaves the kind out.
init_value() {
	if LC_ALL=C grep -qaP '\x00' "$1"; then
		base64 -w0 "$1" | jq -Rs --arg k "$2" --arg m "${3:-main}" --argjson e "${4:-{\}}" \
			'{code: ., binary: true, kind: $k, main: $m, env: $e} | if $k == "" then del(.kind) else . end'
	else
		jq -Rs --arg k "$2" --arg m "${3:-main}" --argjson e "${4:-{\}}" \
			'{code: ., binary: false, kind: $k, main: $m, env: $e} | if $k == "" then del(.kind) else . end' "$1"
	fi
}

# init FILE KIND [MAIN] [ENV_JSON]: POST /init, status printed.
init() {
	init_value "$@" | jq -c '{value: .}' >init.json &&
	post /init --data-binary @init.json
}

# run PARAMS_JSON [EXTRA_FIELDS_JSON]: POST /run with the params as value.
run() {
	jq -cn --argjson v "$1" --argjson x "${2:-{\}}" '$x + {value: $v}' >run.json &&
	post /run --data-binary @run.json
}

# post_many PATH N: POST req1.json .. reqN.json to PATH all at once; the
# answers land in out1.json .. outN.json.
post_many() {
	for i in $(seq 1 "$2"); do
		printf 'next\nurl = "%s%s"\ndata-binary = "@req%d.json"\noutput = "out%d.json"\n' "$URL" "$1" $i $i
	done >curl.cfg &&
	curl -s -m 60 --parallel --parallel-immediate --parallel-max 100 -K curl.cfg
}

# answers_in_order N FIELD: out1.json .. outN.json hold .FIELD == 1 .. N,
# each answer went to its own request.
answers_in_order() {
	for i in $(seq 1 "$1"); do cat out$i.json; echo; done |
		jq -se --arg f "$2" 'length == '"$1"' and (to_entries | all(.value[$f] == .key + 1))' >/dev/null
}

# deadline_in MS: a deadline MS from now, in ms since the epoch.
deadline_in() { echo $(( $(date +%s%3N) + $1 )); }

# sentinels FILE: how many sentinel lines the file holds.
sentinels() { grep -c "^$SENTINEL\$" "$1"; }

# expect STATUS JQ_FILTER: the last answer had STATUS and body passes the filter.
expect() {
	test "$got" = "$1" || { echo "status $got, wanted $1"; cat body; return 1; }
	jq -e "$2" body >/dev/null || { echo "body does not pass $2:"; cat body; return 1; }
}

#!/bin/bash
# t1310-tls.sh — a remote backend over TLS: the backend behind a TLS
# terminator (socat, as faasfs(8) shows), faasfs trusting the CA of --cafile
# (or -o cafile=), and refusing, with a clear error and no mount, a
# certificate that CA did not sign or a system store that does not know it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fs/lib-fs.sh"

if ! command -v socat >/dev/null || ! command -v openssl >/dev/null; then
	test_skip 'a backend behind TLS' 'no socat or openssl (Debian packages socat, openssl)'
	test_done
fi
test_at_end 'mount_stop'
test_at_end 'backend_stop'
test_at_end 'stop_pid "$(cat $SCRATCH/socat.pid 2>/dev/null)" TERM'

# ca NAME: a CA of its own; cert NAME CA: a server certificate for localhost
# and 127.0.0.1 that CA signed.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null
}
cert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj /CN=localhost 2>/dev/null &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

# tls_mount ARGS...: faasfs over TLS in the foreground of a background job; 0 once status says up
tls_mount() {
	mkdir -p "$FAAS"
	"$FAASFS" -f --auth "$FAASFS_AUTH" "$@" >"$SCRATCH/tls.log" 2>&1 &
	echo $! >"$SCRATCH/fs.pid"
	wait_for "grep -q ' up\$' '$FAAS/status' || ! kill -0 $!" 400 && grep -q ' up$' "$FAAS/status"
}

# refused ARGS...: faasfs exits 1 without mounting, saying the certificate is not trusted
refused() {
	mkdir -p "$FAAS"
	! "$FAASFS" -f --auth "$FAASFS_AUTH" "$@" "$FAAS" >"$SCRATCH/refused.log" 2>&1 &&
	cat "$SCRATCH/refused.log" &&
	grep -q "cannot mount $FAAS: https://localhost:$TPORT: .*certificate" "$SCRATCH/refused.log" &&
	grep -q "not one we trust (--cafile" "$SCRATCH/refused.log" &&
	! is_mounted "$FAAS"
}

test_expect_success 'the backend behind socat, TLS with a certificate of our own CA' '
	ca goodca && cert server goodca && ca otherca &&
	backend_start &&
	TPORT=$(free_port) && echo $TPORT >"$SCRATCH/tport" &&
	{ socat "OPENSSL-LISTEN:$TPORT,bind=127.0.0.1,reuseaddr,fork,cert=server.pem,key=server.key,verify=0" \
		"TCP:127.0.0.1:$BPORT" 2>"$SCRATCH/socat.log" & echo $! >"$SCRATCH/socat.pid"; } &&
	wait_for "curl -sf --cacert goodca.pem -u $FAASFS_AUTH -o /dev/null https://localhost:$TPORT/api/v1/namespaces/_/actions" 200
'
TPORT=$(cat "$SCRATCH/tport" 2>/dev/null)

test_expect_success 'faasfs --cafile of the CA that signed it: mounted, and everything goes through TLS' '
	tls_mount --backend "https://localhost:$TPORT" --cafile goodca.pem "$FAAS" &&
	grep -q "backend https://localhost:$TPORT up" "$FAAS/status" &&
	py tls "{\"over\": \"tls\"}" && cp tls.py "$FAAS/actions/" &&
	grep -q "\"over\": *\"tls\"" "$FAAS/actions/tls/invoke" &&
	mount_stop
'

test_expect_success 'another CA: refused, not mounted, and the error says why' '
	refused --backend "https://localhost:$TPORT" --cafile otherca.pem
'

test_expect_success 'no --cafile: the system store, which does not know our CA, refuses it too' '
	refused --backend "https://localhost:$TPORT"
'

test_expect_success 'the same through mount(8)'"'"'s options: SOURCE the URL, -o cafile=' '
	tls_mount "https://localhost:$TPORT" "$FAAS" -o cafile=goodca.pem,_netdev &&
	awk -v d="$FAAS" "\$2 == d" /proc/self/mounts | grep -q "^https://localhost:$TPORT $FAAS fuse.faasfs" &&
	mount_stop &&
	refused "https://localhost:$TPORT" -o cafile=otherca.pem
'

test_done

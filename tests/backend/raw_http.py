# raw_http.py — test helper: send raw bytes to 127.0.0.1:PORT, print what comes back.
#   python3 raw_http.py PORT 'HEAD-BYTES' [hold N]
# Sends the bytes (Python escapes such as \r\n are honoured) and prints the
# answer up to the server's close, or up to 10 s of silence ("TIMEOUT"
# then). With "hold N" it first opens N idle connections and keeps them
# open while it sends.
import socket, sys, resource

port = int(sys.argv[1])
data = sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1")
held = []
if len(sys.argv) > 4 and sys.argv[3] == "hold":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for _ in range(int(sys.argv[4])):
        s = socket.create_connection(("127.0.0.1", port))
        held.append(s)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
s.sendall(data)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            out += b"\nEOF"
            break
        out += b
except socket.timeout:
    out += b"\nTIMEOUT"
except ConnectionResetError:
    out += b"\nRESET"
sys.stdout.write(out.decode("latin-1") + "\n")

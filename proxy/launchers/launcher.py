"""launcher.py — the action loop for python functions, started by faasfs-proxy.

usage: python3 launcher.py ENTRY MAIN
       python3 launcher.py          (a stem cell)

ENTRY is the function's source file (or the __main__.py of an unpacked
archive, whose folder then goes on sys.path so its modules import, with the
site-packages of a virtualenv/ folder beside it, as OpenWhisk's python
runtime allows). The file
is loaded once; MAIN names the function to call. The launcher then answers
on fd 3: first one line, {"ok":true} or {"error": "<the interpreter's
message>"} when the code does not load, and after that one result line for
each run object read from stdin (one JSON object a line). String fields of
the run object other than "value" become __OW_<FIELD> environment variables
before main(value) runs. stdout and stderr are flushed before each answer, so
an activation's logs reach the proxy before its result.

A stem cell is started before the code is known, so that the interpreter's
own start is done by the time an init comes. Its first stdin line says what
the arguments would have: {"entry": ENTRY, "main": MAIN, "cwd": the action's
folder, "env": {the action's environment}}; from there on it is the same.

With __OW_ALLOW_CONCURRENT=true the proxy may send runs before the last is
answered. They are still run one after another (main is not assumed to be
thread-safe), but waiting in the pipe instead of in the proxy, and each
answer is {"activation_id": ID, "result": RESULT} as the proxy then needs.

Text that is not Unicode never kills the launcher: bytes of a run object
that are not UTF-8, and lone surrogates (valid JSON escapes, but no
characters), reach the function as U+FFFD; so do lone surrogates in what
it returns. A run object that is not JSON at all gets an error answer.
"""
import glob
import json
import os
import sys
import traceback


def load(entry, name):
    """Run the source once in a fresh module and return its MAIN function."""
    folder = os.path.dirname(os.path.abspath(entry))
    sys.path[0:0] = [folder] + glob.glob(os.path.join(folder, "virtualenv", "lib", "python3*", "site-packages"))
    with open(entry, "rb") as f:
        src = f.read()
    module = type(sys)("main__")
    module.__file__ = entry
    sys.modules["main__"] = module
    exec(compile(src, entry, "exec"), module.__dict__)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise NameError("the action has no function named '%s'" % name)
    return fn


ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
EXPORTED = {}


def unsurrogate(s):
    """s with every lone surrogate replaced by U+FFFD."""
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean(obj):
    """obj with lone surrogates replaced in every string, keys included."""
    if isinstance(obj, str):
        return unsurrogate(obj)
    if isinstance(obj, dict):
        return {clean(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean(v) for v in obj]
    return obj


def encode(obj):
    text = ENCODER.encode(obj)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return unsurrogate(text).encode("utf-8") + b"\n"


def parse(line):
    """A run object from a line of bytes, as text that is all characters."""
    return clean(json.loads(line.decode("utf-8", "replace")))


def export(msg):
    """__OW_<FIELD> for each string field but value; unchanged ones are left be."""
    for k, v in msg.items():
        if k != "value" and isinstance(v, str) and EXPORTED.get(k) != v:
            os.environ["__OW_" + k.upper()] = v
            EXPORTED[k] = v


def answer(out, text):
    sys.stdout.flush()
    sys.stderr.flush()
    out.write(text)


def run(fn, line, tagged):
    try:
        msg = parse(line)
    except ValueError as e:
        traceback.print_exc()
        return encode({"error": "The run object is not JSON: %s" % e})
    export(msg)

    def answer_of(res):
        return encode({"activation_id": msg.get("activation_id"), "result": res} if tagged else res)
    try:
        return answer_of(fn(msg.get("value", {})))
    except Exception as e:
        traceback.print_exc()
        # "KeyError: 'name'", not the bare "'name'": the type says what went wrong
        return answer_of({"error": "".join(traceback.format_exception_only(type(e), e)).strip()})


def adopt():
    """A stem cell's first line: the action to become."""
    msg = json.loads(sys.stdin.buffer.readline() or b"{}")
    os.environ.update(msg.get("env", {}))
    os.chdir(msg.get("cwd", "."))
    return msg.get("entry", ""), msg.get("main", "main")


def main():
    out = os.fdopen(3, "wb", buffering=0)
    try:
        entry, name = sys.argv[1:3] if len(sys.argv) >= 3 else adopt()
        fn = load(entry, name)
    except BaseException as e:
        text = "".join(traceback.format_exception_only(type(e), e)).strip()
        traceback.print_exc()
        answer(out, encode({"error": text}))
        return 1
    answer(out, b'{"ok":true}\n')
    tagged = os.environ.get("__OW_ALLOW_CONCURRENT") == "true"
    for line in sys.stdin.buffer:
        if line.strip():
            answer(out, run(fn, line, tagged))
    return 0


if __name__ == "__main__":
    sys.exit(main())

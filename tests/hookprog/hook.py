#!/usr/bin/env python3
"""Test program hook for tests/unit/check_hookprog.c (and the bench).

argv[1] is a start mode:
  records     (default) act on each record by its "do" member (below)
  no-read     never read stdin and never reply (sleeps)
  exit-now    exit with status 3 without reading anything
  pidfile F   write this process's pid to file F, then act as "records"
  pid-sleep F write this process's pid to file F, then sleep (never reading
              stdin: only the kill that follows its parent's death ends it)
  stderr T    write T on stderr at start, then act as "records"
  slurp N     read N lines before replying to any of them (each as "records"
              would), then the next N

A record's "do": keep (default), skip, fail (message from "why"), props
(changes properties), hang, crash (SIGSEGV), exit (status 0), garbage (a line
that is not JSON), crlf (a blank line, then the reply ended by CRLF), twice
(two replies), badaction (an unknown action), nested (an object
as a property value), huge (a 5 MiB line), stderr (writes "text" on stderr, then keeps), echo (keep, the
record's key, point and pad back as properties), cwd (the working folder as
a property), fd (whether descriptor "fd" is open in this process).
"""
import json
import os
import signal
import sys
import time


def reply(obj, end="\n"):
    sys.stdout.write(json.dumps(obj) + end)
    sys.stdout.flush()


def act(msg):
    rec = msg["record"]
    do = rec.get("do", "keep")
    if do == "keep":
        reply({"action": "keep"})
    elif do == "skip":
        reply({"action": "skip", "message": "skipped by the test hook"})
    elif do == "fail":
        reply({"action": "fail", "message": rec.get("why", "refused")})
    elif do == "props":
        reply({"action": "keep", "properties": {
            "name": rec["name"].upper(), "n": 42, "ratio": 0.1, "big": 12345678901234, "ok": True, "gone": None,
            "point": msg["point"]}})
    elif do == "hang":
        time.sleep(3600)
    elif do == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif do == "exit":
        sys.exit(0)
    elif do == "garbage":
        sys.stdout.write("this is not json {\n")
        sys.stdout.flush()
    elif do == "huge":  # one line of 5 MiB
        sys.stdout.write("x" * (5 * 1024 * 1024) + "\n")
        sys.stdout.flush()
    elif do == "badaction":
        reply({"action": "maybe"})
    elif do == "nested":
        reply({"action": "keep", "properties": {"address": {"city": "Redmond"}}})
    elif do == "crlf":
        sys.stdout.write("\n")
        reply({"action": "skip"}, end="\r\n")
    elif do == "twice":  # both lines in one write: they arrive together
        reply({"action": "keep"}, end="\n" + json.dumps({"action": "keep"}) + "\n")
    elif do == "stderr":
        sys.stderr.write(rec["text"] + "\n")
        sys.stderr.flush()
        reply({"action": "keep"})
    elif do == "echo":
        reply({"action": "keep", "properties": {
            "key": rec["key"], "point": msg["point"], "pad": rec.get("pad", "")}})
    elif do == "cwd":
        reply({"action": "keep", "properties": {"cwd": os.getcwd()}})
    elif do == "fd":
        try:
            os.fstat(int(rec["fd"]))
            state = "open"
        except OSError:
            state = "closed"
        reply({"action": "keep", "properties": {"fd": state}})
    else:
        reply({"action": "fail", "message": "unknown do: " + do})


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "records"
    if mode == "no-read":
        time.sleep(3600)
        return
    if mode == "exit-now":
        sys.exit(3)
    if mode in ("pidfile", "pid-sleep"):
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    if mode == "pid-sleep":
        time.sleep(3600)
        return
    if mode == "stderr":
        sys.stderr.write(sys.argv[2] + "\n")
        sys.stderr.flush()
    if mode == "slurp":
        n = int(sys.argv[2])
        while True:
            lines = [sys.stdin.readline() for _ in range(n)]
            if not lines[-1]:
                return
            for line in lines:
                act(json.loads(line))
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        act(json.loads(line))


main()

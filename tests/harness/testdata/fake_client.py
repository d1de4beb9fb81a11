#!/usr/bin/python3
"""A stand-in for a BFT system's own client program, for program_client_test.cc.

A request is "submit VALUE"; the answers are "ack VALUE" and "fail VALUE".
By default it reads one request a line on stdin until end-of-file, then
waits for the answers it still owes and exits 0. With --args it takes one
request from its arguments, answers it and exits.

Standard library only; run it with /usr/bin/python3.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--args", action="store_true", help="one request in argv, then exit")
parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
parser.add_argument("--hold", type=int, default=1,
                    help="answer requests in batches of this many, each in reverse order")
parser.add_argument("--refuse-every", type=int, default=0,
                    help="refuse every n-th request instead of acknowledging it")
parser.add_argument("--silent", action="store_true", help="never answer")
parser.add_argument("--ack-other", action="store_true", help="acknowledge another value")
parser.add_argument("--noise", action="store_true",
                    help="print unrelated lines, and an ack of a value never submitted")
parser.add_argument("--exit-after", type=int, default=0,
                    help="exit after reading this many requests, without answering the last")
parser.add_argument("--exit-code", type=int, default=0, help="exit status when exiting early "
                    "(stdin) or after answering (--args)")
parser.add_argument("--stderr", default="", help="printed on stderr before exiting")
parser.add_argument("--linger", action="store_true", help="ignore end-of-file on stdin")
parser.add_argument("--pid-dir", default="", help="write DIR/<pid> for this process")
parser.add_argument("--grandchild", action="store_true",
                    help="also start a sleeping child of its own, recorded in --pid-dir")
parser.add_argument("request", nargs="*")
options = parser.parse_args()

out_lock = threading.Lock()


def say(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def record_pid(pid, what):
    if options.pid_dir:
        with open(os.path.join(options.pid_dir, str(pid)), "w") as f:
            f.write(what)


def leave(code):
    if options.stderr:
        sys.stderr.write(options.stderr + "\n")
        sys.stderr.flush()
    os._exit(code)


record_pid(os.getpid(), "program")
if options.grandchild:
    record_pid(subprocess.Popen(["/bin/sleep", "30"]).pid, "grandchild")

count = 0


def answer(values):
    """Answers `values` (request numbers and values) after the delay."""
    if options.delay > 0:
        time.sleep(options.delay)
    for number, value in reversed(values):
        if options.noise:
            say("noise: working on " + value)
            say("ack tc-never-submitted")
        if options.silent:
            continue
        if options.ack_other:
            say("ack other-" + value)
        elif options.refuse_every and number % options.refuse_every == 0:
            say("fail " + value)
        else:
            say("ack " + value)


def value_of(request):
    parts = request.split()
    if len(parts) != 2 or parts[0] != "submit":
        sys.stderr.write("bad request: %r\n" % request)
        sys.stderr.flush()
        return None
    return parts[1]


if options.args:
    value = value_of(" ".join(options.request))
    if value is not None:
        answer([(1, value)])
    leave(options.exit_code)

workers = []
batch = []
for line in sys.stdin:
    value = value_of(line.strip())
    if value is None:
        continue
    count += 1
    if options.exit_after and count >= options.exit_after:
        leave(options.exit_code)
    batch.append((count, value))
    if len(batch) < options.hold:
        continue
    if options.delay > 0:
        worker = threading.Thread(target=answer, args=(batch,))
        worker.start()
        workers.append(worker)
    else:
        answer(batch)
    batch = []

for worker in workers:
    worker.join()
if options.linger:
    while True:
        time.sleep(1)

"""Test child: writes the name of every signal it receives to a file, one per line.

Flags: --ignore-term (SIGTERM ignored), --exit-on=SIG (exit 0 when SIG arrives),
--spawn-grandchild=PIDFILE (fork a child that records into FILE.grandchild and writes its pid).
"""
import os
import signal
import sys
import time

out_file = sys.argv[1]
flags = sys.argv[2:]
exit_on = {signal.Signals[f.split("=", 1)[1]] for f in flags if f.startswith("--exit-on=")}
recorded = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGQUIT, signal.SIGINT,
            signal.SIGWINCH, signal.SIGTSTP, signal.SIGCONT, signal.SIGPIPE]


def handler(sig, _frame):
    with open(out_file, "a") as f:
        f.write(signal.Signals(sig).name + "\n")
    if sig in exit_on:
        sys.exit(0)


for s in recorded:
    signal.signal(s, handler)
if "--ignore-term" in flags:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
for f in flags:
    if f.startswith("--spawn-grandchild="):
        pidfile = f.split("=", 1)[1]
        if os.fork() == 0:
            out_file = out_file + ".grandchild"
            with open(pidfile, "w") as p:
                p.write(str(os.getpid()))
            while True:
                time.sleep(60)
with open(out_file + ".ready", "w") as f:
    f.write(str(os.getpid()))
while True:
    time.sleep(60)

"""A real Eclipse Mosquitto broker for the MRV end-to-end tests (Debian package `mosquitto`).

Each broker listens on a free loopback port, keeps its persistence file in its own directory (so a
restart keeps QoS 1 sessions and queued messages, as a site broker would) and is killed at exit
like every process tanso_e2e starts. The stock clients (mosquitto_pub / mosquitto_sub, Debian
package `mosquitto-clients`) are wrapped for tests that must not use Tanso's code.
"""

import os
import pwd
import shutil
import socket
import subprocess
import time

import tanso_e2e as t


def mosquitto_path():
    for p in ("/usr/sbin/mosquitto", shutil.which("mosquitto") or ""):
        if p and os.access(p, os.X_OK):
            return p
    raise RuntimeError("mosquitto not found: run scripts/install-deps.sh (package mosquitto)")


class Broker:
    """One mosquitto process on 127.0.0.1:<port>; `restart()` keeps the port and persistence."""

    def __init__(self, workdir, name="broker"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = t.free_port()
        self.proc = None
        self.starts = 0
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\n" % self.port)
            # Run as root, mosquitto would switch to the user `mosquitto`, which cannot write
            # the persistence file (nor the log) in this directory: a restart would then lose
            # every session and queued message. Stay the user that runs the tests.
            f.write("user %s\n" % pwd.getpwuid(os.getuid()).pw_name)
            f.write("allow_anonymous true\n")
            f.write("persistence true\n")
            f.write("persistence_location %s/\n" % self.dir)
            f.write("autosave_interval 1\n")
            f.write("max_queued_messages 1000000\n")
            f.write("max_inflight_messages 0\n")
            f.write("log_dest file %s/mosquitto.log\n" % self.dir)
            f.write("log_type error\nlog_type warning\nlog_type notice\n")

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=10):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        log = open(os.path.join(self.dir, "stdout-%d.log" % self.starts), "wb")
        self.proc = subprocess.Popen([mosquitto_path(), "-c", self.conf], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=t._die_with_parent)
        log.close()
        with t._live_mu:
            t._live.add(self.proc)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mosquitto exited with %s:\n%s" %
                                   (self.proc.returncode, self.log()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen on %d in %ss" % (self.port, timeout))

    def stop(self):
        """SIGTERM (mosquitto saves its persistence file) and wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        with t._live_mu:
            t._live.discard(self.proc)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        with t._live_mu:
            t._live.discard(self.proc)

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(os.path.join(self.dir, "mosquitto.log"), "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def pub(self, topic, message, qos=1, timeout=10):
        """Publishes one message with the stock mosquitto_pub client."""
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-q", str(qos),
                        "-t", topic, "-m", message], check=True, timeout=timeout)

    def sub(self, topic, count, timeout=10):
        """Starts mosquitto_sub for `count` messages; returns the Popen (stdout: one per line).
        Call it before publishing; read with proc.communicate(timeout)."""
        p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port), "-q", "1",
                              "-t", topic, "-C", str(count), "-W", str(timeout)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=t._die_with_parent)
        time.sleep(0.3)  # let it subscribe
        return p

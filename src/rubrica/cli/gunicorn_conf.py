"""gunicorn settings that do not depend on the command line (`rubrica serve` passes bind,
workers and threads). Loaded with ``-c python:rubrica.cli.gunicorn_conf``; settings an older
gunicorn does not know are ignored by it."""

from __future__ import annotations

import os

# Log requests and errors to the terminal (or the service manager's journal).
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# Request lines up to gunicorn's most (8 KB): Rubrica itself answers URLs over 4 KB with a 414
# problem document (web.middleware.LongUrlMiddleware) instead of gunicorn's HTML page.
limit_request_line = 8190

# A stopped server finishes requests in flight for at most this long.
graceful_timeout = 10
timeout = 60
keepalive = 5

# Heartbeat files on tmpfs: a worker writing to a slow disk can be mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn 24+ opens a control socket in the home directory by default; Rubrica does not use it.
control_socket_disable = True

# Behind a reverse proxy on the same host, trust its X-Forwarded-* headers only from loopback.
forwarded_allow_ips = "127.0.0.1,::1"

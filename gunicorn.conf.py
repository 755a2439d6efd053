"""gunicorn configuration for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_* below). App
servers are stateless: sessions are signed cookies, rate limits live in Redis
(REDIS_URL) and `flask tick` is safe on several hosts, so scale out by adding
workers or hosts behind the reverse proxy.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounded memory)
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# No query string and no referer: capability tokens never reach the logs (paths that
# carry one are masked by the app's log filter, installed in every worker below).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def post_worker_init(worker):
    from labapp.logging_setup import install_log_redaction

    install_log_redaction()
    # The app's modules, routes and templates live as long as the worker: move them
    # out of the collector's reach, so a full collection no longer walks them (it
    # paused the requests that build large JSON lists by about 100 ms).
    gc.freeze()

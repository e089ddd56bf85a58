"""gunicorn's settings in production: `gunicorn wsgi:app`, run from this folder, reads
them. Each can be set by an environment variable; a command-line flag wins over both."""
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("WEB_THREADS", "1"))
#: Sync workers: the app is CPU-bound per request (templates, password hashing), and a
#: free worker takes the next connection from the kernel's queue. Their queue time, for
#: load shedding (youth_app.shedding), comes from the proxy's X-Request-Start. With more
#: than one thread: gunicorn's gthread worker, which stamps each request's arrival itself.
worker_class = "sync" if threads == 1 else "youth_app.web_worker.QueueTimedWorker"
#: A request still running after this is killed (the app's bulk work runs in workers).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
#: The app's own JSON lines go to standard error. gunicorn's access log names every
#: visitor's IP address (personal data): off unless a path (or "-") is given.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"

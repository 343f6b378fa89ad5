# vibeops: the GitHub App (gunicorn on the Flask factory; its master runs the jobs in a process of their own).
# actionlint and trivy come inside their Python wheels, so nothing is downloaded at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIBEOPS_DATA_DIR=/data \
    PORT=3000

# git backs `vibeops run --repo`; bubblewrap runs every tool without network in a read-only sandbox
# (it needs user namespaces: see the README's "Security model"; without them tools run unsandboxed, logged).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git=1:2.* bubblewrap=0.* \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY workflows ./workflows
RUN pip install . \
 && useradd --create-home --uid 10001 vibeops \
 && mkdir -p /data \
 && chown vibeops /data

USER 10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# gunicorn binds 0.0.0.0:$PORT. The web processes enqueue; one job process works the SQLite queue in /data.
# Scale-out: set VIBEOPS_QUEUE=redis://... here and run more containers of this image with the command
# `vibeops worker` (and --no-healthcheck: a worker serves no HTTP; SIGTERM finishes its job, then it stops).
CMD ["gunicorn", "-c", "python:bot.app.gunicorn_conf", "--workers", "2", "--threads", "8", "--graceful-timeout", "60", "bot.app.web:create_app()"]

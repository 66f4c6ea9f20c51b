# Neuroglide: slim, non-root, production settings; `neuroglide serve` migrates, then serves.
FROM python:3.11-slim

# Production refuses to start without NEUROGLIDE_SECRET_KEY (your own random value) and
# believes X-Forwarded-For only from the addresses in NEUROGLIDE_TRUSTED_PROXIES (none here).
# PYTHONPATH: the app runs from WORKDIR, where alembic.ini and migrations/ sit beside it.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/srv/neuroglide \
    NEUROGLIDE_ENVIRONMENT=production \
    NEUROGLIDE_HOST=0.0.0.0 NEUROGLIDE_PORT=8000 NEUROGLIDE_DATA_DIR=/data

RUN useradd --create-home --uid 10001 neuroglide && mkdir -m 700 /data && chown neuroglide /data
WORKDIR /srv/neuroglide
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-compile -c constraints.txt . && pip uninstall -y pip

USER neuroglide
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["neuroglide", "serve"]

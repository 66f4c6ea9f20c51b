# Neuroglide: slim, non-root; applies migrations, then serves with uvicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NEUROGLIDE_HOST=0.0.0.0 NEUROGLIDE_DATA_DIR=/data

RUN useradd --create-home --uid 10001 neuroglide && mkdir /data && chown neuroglide /data
WORKDIR /srv/neuroglide
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-compile -c constraints.txt . && pip uninstall -y pip

USER neuroglide
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["sh", "-c", "neuroglide migrate && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips='*'"]

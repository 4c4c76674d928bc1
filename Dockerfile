# eventsite application image: gunicorn serving wsgi:app. Reference for operators; the test
# suite never builds it. `docker compose up` (docker-compose.yml) runs it with PostgreSQL and Redis.
FROM python:3.11-slim-bookworm

# Pango for WeasyPrint (badge PDFs), Noto fonts for names in any script, and the PostgreSQL
# client (pg_dump/pg_restore for `flask backup`), version 15 like the compose database.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PG_BIN=/usr/lib/postgresql/15/bin
WORKDIR /srv/eventsite
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY wsgi.py ./
COPY eventsite ./eventsite
COPY templates ./templates
COPY migrations ./migrations
RUN useradd --system --home /srv/eventsite eventsite && mkdir instance && chown eventsite instance
USER eventsite

EXPOSE 8000
# gthread workers: a request waiting on the database does not hold a whole process.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "--worker-class", "gthread", \
     "--timeout", "60", "--graceful-timeout", "30", "wsgi:app"]

# syntax=docker/dockerfile:1
# cellflow: one image for every role (migrate, web, worker, beat); docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

WORKDIR /app

# The processes run as this unprivileged user; the code stays owned by root and read-only to it.
RUN groupadd --system --gid 10001 cellflow \
 && useradd --system --uid 10001 --gid cellflow --home-dir /app --no-create-home --shell /usr/sbin/nologin cellflow

# Dependencies first (cached while the lock does not change). Every wheel in the lock is prebuilt for
# manylinux, psycopg included (psycopg[binary]), so no compiler or libpq is needed.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Static files are collected at build time into var/staticfiles and served by WhiteNoise (hashed names,
# compressed). The secret below exists only during this step; the real one comes from the environment.
# --ignore node_modules: django-viewflow ships npm leftovers whose CSS points at files it does not ship, which
# the hashing storage refuses; no page uses them.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-dummy-secret-never-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput \
 && mkdir -p var \
 && chown cellflow:cellflow var

USER cellflow
EXPOSE 8000

# The web role. gunicorn reads WEB_CONCURRENCY for its number of worker processes (about 2 x CPU cores
# of the host; override it in the environment). Access and error logs go to stdout/stderr.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]

# One image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=supervision.settings

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DEBUG=1 python manage.py compilemessages --ignore=.venv -v 0 \
 && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0 \
 && useradd --system --uid 1000 --home /app portal \
 && mkdir -p /app/media && chown portal /app/media

USER portal
EXPOSE 8000
CMD ["gunicorn", "supervision.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# One image for web, Celery worker and Celery beat; configured by environment variables (see README).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=proteja_site.settings

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build-time only: collectstatic and compilemessages need a key but no secrets or database.
RUN SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=build-only BLIND_INDEX_KEY=build-only python manage.py collectstatic --noinput -v 0 \
    && if [ -d locale ]; then SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=build-only BLIND_INDEX_KEY=build-only python manage.py compilemessages -v 0; fi

RUN useradd --system --uid 1000 --home /app proteja && chown -R proteja /app
USER proteja

EXPOSE 8000
CMD ["gunicorn", "proteja_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

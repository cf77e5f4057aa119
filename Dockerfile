FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY trusts ./trusts
COPY funding ./funding
COPY dashboards ./dashboards
COPY api ./api
COPY impact ./impact
RUN pip install .

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --system --home /app app && chown -R app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

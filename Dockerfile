# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
WORKDIR /app
RUN useradd --create-home --uid 10001 coresponder
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --no-input \
    && mkdir -p /app/var && chown -R coresponder /app/var
USER coresponder
EXPOSE 8000
CMD ["gunicorn", "coresponder.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]

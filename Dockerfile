# Observer: API + catalog UI, scheduler and CLI in one image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv pip install --system --no-cache -r requirements.lock

COPY observer ./observer
COPY collectors ./collectors
COPY checks ./checks
COPY alerting ./alerting
COPY dashboards ./dashboards
RUN uv pip install --system --no-cache --no-deps . \
 && useradd --create-home --uid 10001 observer
USER observer
WORKDIR /work
EXPOSE 8000
ENTRYPOINT ["observer"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

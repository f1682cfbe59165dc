# readtoearn in one image: the site, the API and the `readtoearn` command.
#
#   docker build -t readtoearn .
#   docker run -p 8000:8000 -v readtoearn-data:/data readtoearn     # SQLite in /data, demo content
#   docker run --rm -v readtoearn-data:/data readtoearn audit        # any other command
#
# With PostgreSQL and Redis, see compose.yaml and docs/operations.md ("Containers").
# Everything the app needs at run time (templates, translations, migrations, the demo content,
# the sentence encoder's weights) ships inside the installed packages: nothing is downloaded
# when a container starts.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /build
# What `pip install .` reads: the pyproject, the README it names, and the package.
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/readtoearn \
 && /opt/readtoearn/bin/pip install . \
 && /opt/readtoearn/bin/readtoearn --version

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/readtoearn/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    READTOEARN_DATA_DIR=/data
# A user of its own (numeric in USER, so Kubernetes' runAsNonRoot can check it); /data is created
# and owned by it before it becomes a volume, so a new named volume starts with that owner.
RUN groupadd --system --gid 10001 readtoearn \
 && useradd --system --uid 10001 --gid readtoearn --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin readtoearn \
 && mkdir /data \
 && chown readtoearn:readtoearn /data
COPY --from=build /opt/readtoearn /opt/readtoearn
USER 10001:10001
WORKDIR /data
# The SQLite database, the generated secret key (when READTOEARN_SECRET_KEY is unset) and the
# e-mail outbox. With PostgreSQL and a fixed secret key it holds only the outbox.
VOLUME ["/data"]
EXPOSE 8000
# /healthz answers 200 when the database answers, 503 otherwise (urlopen raises: exit 1).
# It expects the default port: change it here too when serving on another one.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# `serve` applies the migrations itself before it starts the workers (the `db upgrade` step);
# compose.yaml also runs `db upgrade` once, on its own, before any app container starts.
ENTRYPOINT ["readtoearn"]
CMD ["serve", "--host", "0.0.0.0"]

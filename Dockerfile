# syntax=docker/dockerfile:1
# meshgov: `docker build -t meshgov .`, then run with DATABASE_URL and MESHGOV_JWT_JWKS_URL (or,
# for development only, MESHGOV_JWT_DEV_SECRET) set; see docker-compose.yml. One image for every
# role: the API and the workers (the default), the API only (MESHGOV_RUN_WORKERS=false) or the
# workers only (MESHGOV_SERVE_API=false).
#
# Base images are pinned by digest (the tag beside each is for the reader), so a rebuild uses the
# same bytes until the pin is moved on purpose (by hand or a dependency bot) to take updates.
# `--target demo` builds the demo's AWS emulator and seeder instead (docker-compose.yml).

FROM rust:1.95-bookworm@sha256:6258907abe69656e41cd992e0b705cdcfabcbbe3db374f92ed2d47121282d4a1 AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src

# Dependencies first, built against stub sources: this layer is reused until Cargo.toml or
# Cargo.lock change, so a code change rebuilds only meshgov itself. Every target path the manifest
# names (benches…) gets a stub too, or cargo refuses to read it.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && sed -n 's/^path *= *"\(.*\)"/\1/p' Cargo.toml | while read -r target; do \
           mkdir -p "$(dirname "$target")" && echo 'fn main() {}' > "$target"; \
       done \
    && cargo build --release --locked --bin meshgov \
    && rm -rf src

COPY . .
# COPY keeps the files' old modification times: touch them so cargo sees the real sources as new.
RUN find src migrations deploy templates -type f -exec touch {} + \
    && cargo build --release --locked --bin meshgov \
    && install -D -m 0755 target/release/meshgov /out/meshgov

# The demo's AWS emulator (emulator/: moto, stricter where AWS is) and the scripts that fill it and
# seed the service, with meshgov itself for their development tokens. Never for production.
FROM python:3.11-slim-bookworm@sha256:bcbbec29f7a3f9cbee891e3cd69d7fe4dec7e281daf36cbd415ddd8ee2ba0077 AS demo
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/meshgov --shell /usr/sbin/nologin meshgov
WORKDIR /opt/meshgov
COPY emulator/requirements.txt emulator/
RUN pip install --no-cache-dir --disable-pip-version-check -r emulator/requirements.txt
COPY emulator/meshgov_emulator emulator/meshgov_emulator
COPY scripts scripts
COPY --from=builder /out/meshgov /usr/local/bin/meshgov
USER 10001:10001
EXPOSE 5000
CMD ["python", "emulator/meshgov_emulator", "--host", "0.0.0.0", "--port", "5000"]

# The service (the default target: the last stage).
FROM debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251 AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin meshgov
COPY --from=builder /out/meshgov /usr/local/bin/meshgov

USER 10001:10001
ENV MESHGOV_LISTEN=0.0.0.0:8080 \
    MESHGOV_LOG_FORMAT=json
EXPOSE 8080
# Probes: GET /healthz (liveness) and GET /readyz (readiness) from the orchestrator; for Docker's
# own health status the binary asks itself (the slim image has no curl). SIGTERM stops the service
# gracefully.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["meshgov", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["meshgov"]
CMD ["serve"]

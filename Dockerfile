# syntax=docker/dockerfile:1
# meshgov: `docker build -t meshgov .`, then run with DATABASE_URL and MESHGOV_JWT_JWKS_URL (or,
# for development only, MESHGOV_JWT_DEV_SECRET) set; see docker-compose.yml.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
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
RUN find src migrations deploy -type f -exec touch {} + \
    && cargo build --release --locked --bin meshgov \
    && install -D -m 0755 target/release/meshgov /out/meshgov

FROM debian:bookworm-slim AS runtime
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

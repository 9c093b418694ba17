# Multi-stage build: a static, CGO-free binary (the SQLite driver is pure Go)
# on a distroless base, running as a non-root user.
#
#   docker build -t frontdesk \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#
# .dockerignore keeps local databases and .git out of the build context, so
# the version and commit come in as build arguments (`frontdesk version`
# prints them).
FROM golang:1.26-bookworm AS build
ARG VERSION=dev
ARG REVISION=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.buildVersion=${VERSION} -X main.buildCommit=${REVISION}" \
      -o /out/frontdesk ./cmd/frontdesk \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED
LABEL org.opencontainers.image.title="frontdesk" \
      org.opencontainers.image.description="Answers a brand's customers on Telegram and Discord: rules, a frequency guard, handoff to people" \
      org.opencontainers.image.source="https://github.com/frontdesk-bot/frontdesk" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/frontdesk /usr/local/bin/frontdesk
# Example config and rules; mount your own over /etc/frontdesk (Kubernetes:
# configs/kubernetes mounts a ConfigMap there).
COPY configs/frontdesk.yaml configs/rules.yaml /etc/frontdesk/
# The SQLite database lives here (database: sqlite:frontdesk.db is relative
# to the working directory); mount a volume to keep it. On PostgreSQL
# nothing is written to disk, so the root filesystem can be read-only.
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /data
# distroless's nonroot user, by number so Kubernetes' runAsNonRoot can
# verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/frontdesk", "serve"]
CMD ["--config", "/etc/frontdesk/frontdesk.yaml"]

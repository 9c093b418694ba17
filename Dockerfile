# Multi-stage build: a static, CGO-free binary (the SQLite driver is pure Go)
# on a distroless base, running as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/frontdesk ./cmd/frontdesk \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/frontdesk /usr/local/bin/frontdesk
# Example config and rules; mount your own over /etc/frontdesk.
COPY configs /etc/frontdesk
# The SQLite database lives here (database: sqlite:frontdesk.db is relative
# to the working directory); mount a volume to keep it.
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /data
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/frontdesk", "serve"]
CMD ["--config", "/etc/frontdesk/frontdesk.yaml"]

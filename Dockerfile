# paysandbox: one static binary in an empty image.
#   docker build -t paysandbox .
#   docker run -p 8910:8910 -p 8911:8911 -v paysandbox-data:/data paysandbox
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/paysandbox ./cmd/paysandbox \
 && mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/paysandbox /paysandbox
# /data holds the bbolt file and the self-signed certificate; /tmp serves --ephemeral.
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/tmp /tmp
USER 65532:65532
ENV PAYSANDBOX_DATA=/data/paysandbox.db \
    PAYSANDBOX_ADDR=:8910 \
    PAYSANDBOX_HTTPS_ADDR=:8911
VOLUME /data
EXPOSE 8910 8911
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/paysandbox", "health"]
ENTRYPOINT ["/paysandbox"]
CMD ["serve"]

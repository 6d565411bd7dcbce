# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/orgconsole/console/internal/app.Version=${VERSION}" -o /out/console ./cmd/console \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/console /console
COPY --from=build --chown=65532:65532 /out/data /data
ENV CONSOLE_DATA_DIR=/data CONSOLE_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/console"]
CMD ["serve"]

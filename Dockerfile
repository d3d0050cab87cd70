# syntax=docker/dockerfile:1
# oomguard container image: the admission webhook (`oomguard serve`), also usable for `lint`.
#
#   docker build -t oomguard .
#   docker run --rm --read-only -v "$PWD/tls:/tls:ro" -p 8443:8443 oomguard \
#     --tls-cert /tls/tls.crt --tls-key /tls/tls.key
#   docker run --rm -v "$PWD:/src:ro" -w /src --entrypoint node oomguard /app/bin/oomguard.js lint .
#
# The entrypoint is `oomguard serve` (issue #5): a pod's `args:` are serve's flags only. Other
# subcommands need `--entrypoint node … /app/bin/oomguard.js SUBCOMMAND` (or `command:` in a pod).
# test/packaging/image-layout.test.ts reproduces the final stage's layout without Docker.

ARG NODE_IMAGE=node:24-trixie-slim

# ---- build: full install (TypeScript, tap), compile to dist/ ---------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the prepare script builds, and the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY rules ./rules
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build

# ---- runtime: production dependencies, dist/, bin/, package.json -----------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no prepare/build here (no TypeScript in the final image). The npm cache is
# removed so that the layer holds node_modules only.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*
COPY bin ./bin
COPY --from=build /src/dist ./dist
# Owned by root and not writable by the runtime user: nothing is written at start-up, so the
# image runs with readOnlyRootFilesystem: true (the TLS files come from a mounted Secret).
USER 10001:10001
# 8443: HTTPS admission (/validate, /mutate, /healthz, /readyz); 9090: plain-HTTP /metrics.
EXPOSE 8443 9090
ENTRYPOINT ["node", "/app/bin/oomguard.js", "serve"]

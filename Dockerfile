# leakwatch image: one image for every role; the role is the command
# (`run collector|detector|responder`, or `scan`). Node 24 runs the .ts
# sources directly by type stripping, so there is no build output to copy,
# only the sources and the production node_modules.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
# re2 is a native module: its install script fetches a prebuilt binary when one
# matches this Node and platform and otherwise compiles with node-gyp, which
# needs these. They stay in this stage and never reach the runtime image.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user: a compromised process
# cannot rewrite the code or the dependencies it runs.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY app ./app
COPY bin ./bin
COPY collectors ./collectors
COPY config ./config
COPY detectors ./detectors
COPY pipeline ./pipeline
COPY responders ./responders
# The collector's checkpoint must outlive the container (mount a volume or a
# hostPath here); the default ./.leakwatch would sit in the read-only /app.
RUN mkdir -p /var/lib/leakwatch && chown node:node /var/lib/leakwatch
ENV LEAKWATCH_COLLECTOR_FILES_CHECKPOINT_PATH=/var/lib/leakwatch/checkpoints.json
USER node
# /metrics, /healthz, /readyz (http.port). No HEALTHCHECK: Kubernetes probes
# /healthz and /readyz; docker-compose does not need one for these services.
EXPOSE 9464
# The plain-JavaScript entry turns on Node's compile cache (in
# /tmp/leakwatch-compile-cache-<uid>, private to the user; /tmp is an emptyDir
# in the manifests) before loading bin/leakwatch.ts: a scan or a restart then
# skips stripping the TypeScript again.
ENTRYPOINT ["node", "bin/leakwatch.js"]
CMD ["run", "all"]

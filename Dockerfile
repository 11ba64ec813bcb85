# syntax=docker/dockerfile:1
# The escalation engine's one image: `worker`, `api` and `setup` are commands of the same CLI
# (docker-compose.yml runs each). Built and checked statically here (test/unit/deployment-files.test.ts).
#
# Debian bookworm (glibc), not Alpine: @temporalio/core-bridge ships its native library prebuilt
# for linux x64 and arm64 with glibc only (node_modules/@temporalio/core-bridge/releases/).
# One exact Node 20 release for every stage, so the build and the runtime agree.

# ---- deps: every dependency, for the build -------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts does what npm 11 does with this package.json (allowScripts denies the only
# packages with install scripts: @swc/core, esbuild, protobufjs); the image's npm 10 would run them.
# Nothing needs them: the Temporal core bridge is prebuilt inside its npm package.
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---- build: compiled JavaScript in dist/ and the prebuilt workflow bundle ------------------------
FROM deps AS build
# The whole context minus .dockerignore: the build reads tsconfig*.json, scripts/ and the sources.
COPY . .
# Fail the image build, not the first worker start, if either output is missing.
RUN npm run build \
  && test -f dist/client/cli/run.js \
  && test -f dist/workflow-bundle.js

# ---- runtime: production dependencies, dist/ and the example config ------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
# Inside a container loopback reaches nothing: the API listens on every interface of its own
# network namespace (the code's default, 127.0.0.1, suits a shared host, not a container).
ENV API_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# dist/ holds the compiled code and dist/workflow-bundle.js, which the worker loads from beside
# its own code: no webpack at start, so a restarted worker pages again within a second or two.
COPY --from=build /app/dist ./dist
# The default ESCALATION_CONFIG (examples/escalation.yaml); compose mounts the real one at /config.
COPY examples ./examples
# Files stay root-owned and read-only to the process; `node` (uid 1000) comes with the image.
USER node
EXPOSE 8080
# /healthz answers 200 once the API reaches Temporal. Only the API serves HTTP: in a worker or
# setup container (PID 1 runs another command) the check passes without asking. Node itself
# makes the request: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const argv = require('fs').readFileSync('/proc/1/cmdline', 'utf8').split('\\0'); if (!argv.includes('api')) process.exit(0); fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
ENTRYPOINT ["node", "dist/client/cli/run.js"]
CMD ["worker"]

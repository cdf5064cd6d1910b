# aigw image: the ext_proc gRPC server and admin HTTP that run beside Envoy.
# Build: docker build -t aigw:local .   (or `docker compose build`)

# --- build: compile TypeScript, then drop dev dependencies ------------------
# Node 24: the Active LTS line (Node 20 left support in April 2026).
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# tsconfig.build.json compiles src and perf.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY perf ./perf
# The build turns Envoy's protos (a dev dependency) into descriptors under dist/.
COPY scripts/gen-descriptors.js ./scripts/gen-descriptors.js
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled JS and production dependencies only ------------------
FROM node:24.11.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Files stay root-owned (read-only to the runtime user); aigw writes nothing under /app.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# The default CMD reads /etc/aigw/aigw.yaml (mount your config there); the example
# ships too: `docker run aigw:local serve --config examples/aigw.yaml`.
COPY examples ./examples
# The directory of aigw's gRPC socket, owned by node: a named volume mounted here starts
# with this ownership, so Envoy (run as the same uid) and aigw share the socket.
RUN mkdir -p /tmp/aigw && chown node:node /tmp/aigw && chmod 700 /tmp/aigw
USER node
# 50051: ext_proc gRPC for Envoy; 9090: admin (/healthz, /readyz, /metrics).
EXPOSE 50051 9090
# Slim images have no curl: probe the admin endpoint with node itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:9090/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve", "--config", "/etc/aigw/aigw.yaml"]

# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run stage: production dependencies, compiled code, redis-server for the managed (embedded) mode.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server curl \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# Served at GET /openapi.json (dist/api/http-server.js reads ../../docs/openapi.yaml).
COPY docs/openapi.yaml ./docs/openapi.yaml
RUN useradd --system --uid 10001 --home-dir /app gateway && mkdir -p /app/data && chown -R gateway /app/data
USER gateway
EXPOSE 8080 2775 2776
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start", "--config", "config/gateway.yaml"]
